// What a pane shows, by window type.
import { EmbeddingsPane } from './panes/EmbeddingsPane';
import { ExplainPane } from './panes/ExplainPane';
import { ImagePane } from './panes/ImagePane';
import { ModelGraphPane } from './panes/ModelGraphPane';
import { NetworkPane } from './panes/NetworkPane';
import { PlotPane } from './panes/PlotPane';
import { PropertiesPane } from './panes/PropertiesPane';
import { TextPane } from './panes/TextPane';
import type { EmbeddingsContent, PaneEvent, PropertyDoc, WindowDoc } from './types';
import type { Detail } from './windows';

interface Props {
  doc: WindowDoc;
  rev: number;
  readonly: boolean;
  onEvent: (event: PaneEvent) => void;
  onEmbeddingsBack: () => void;
  onDetail?: (detail: Detail | null) => void;
  /** The projector run of this window (embeddings panes link to it). */
  projectorRun?: string;
}

export function PaneContent({
  doc,
  rev,
  readonly,
  onEvent,
  onEmbeddingsBack,
  onDetail,
  projectorRun,
}: Props) {
  switch (doc.type) {
    case 'plot':
      return <PlotPane doc={doc} rev={rev} onDetail={onDetail} />;
    case 'text':
      return <TextPane html={typeof doc.content === 'string' ? doc.content : ''} />;
    case 'image':
    case 'image_history':
      return <ImagePane doc={doc} rev={rev} onEvent={onEvent} />;
    case 'properties':
      return (
        <PropertiesPane
          properties={Array.isArray(doc.content) ? (doc.content as PropertyDoc[]) : []}
          rev={rev}
          readonly={readonly}
          onEvent={onEvent}
        />
      );
    case 'embeddings':
      return (
        <EmbeddingsPane
          content={(doc.content ?? {}) as EmbeddingsContent}
          rev={rev}
          onEvent={onEvent}
          onBack={onEmbeddingsBack}
          projectorRun={projectorRun}
        />
      );
    case 'network':
      return <NetworkPane doc={doc} />;
    case 'explain':
      return <ExplainPane doc={doc} />;
    case 'model_graph':
      return <ModelGraphPane doc={doc} />;
    default:
      return <p class="live-note">This dashboard cannot show “{doc.type}” panes yet.</p>;
  }
}

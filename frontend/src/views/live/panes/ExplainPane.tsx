// Explain panes: a record sent with `vis.explanation(record)`, shown as the Explain view shows it.
import type { ExplanationRecord } from '../../explain/record';
import { RecordView } from '../../explain/RecordView';
import type { WindowDoc } from '../types';
import '../../explain/explain.css';

interface Props {
  doc: WindowDoc;
}

function isRecord(content: unknown): content is ExplanationRecord {
  const record = content as ExplanationRecord | null;
  return Boolean(
    record &&
      typeof record === 'object' &&
      record.image &&
      Array.isArray(record.methods) &&
      record.methods.length > 0 &&
      record.maps &&
      record.target,
  );
}

export function ExplainPane({ doc }: Props) {
  if (!isRecord(doc.content)) {
    return <p class="live-note">This pane does not hold an explanation record.</p>;
  }
  return (
    <div class="live-explain" data-ready="1">
      <RecordView record={doc.content} idPrefix={`live-explain-${doc.id}`} />
    </div>
  );
}

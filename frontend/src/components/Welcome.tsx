// The start page while no view has data: how to send some.
import type { Environment } from '../api';

const VISDOM_STYLE = `import torchscope

vis = torchscope.Visdom()
vis.line(Y=[loss], X=[step], win="loss", update="append")`;

const TENSORBOARD_STYLE = `from torchscope import SummaryWriter

w = SummaryWriter("runs/exp1")
w.add_scalar("loss", loss, step)`;

const SERVE_LOGDIR = 'torchscope serve --logdir runs';

export function Welcome({ environment }: { environment: Environment | null }) {
  const logdir = environment?.data_location;
  return (
    <section class="panel welcome" aria-labelledby="welcome-title">
      <h1 id="welcome-title">Nothing to show yet</h1>
      <p>
        {logdir ? (
          <>
            No data found in <code>{logdir}</code> yet. Views appear here as soon as your training
            logs something; this page updates by itself.
          </>
        ) : (
          <>
            Send something from your training script and its view appears here; this page updates
            by itself.
          </>
        )}
      </p>
      <div class="quickstarts">
        <article class="quickstart" aria-labelledby="qs-visdom">
          <h2 id="qs-visdom">Visdom style: live plots</h2>
          <pre>
            <code>{VISDOM_STYLE}</code>
          </pre>
          <p>Each window appears under Live as your script sends it.</p>
        </article>
        <article class="quickstart" aria-labelledby="qs-tensorboard">
          <h2 id="qs-tensorboard">TensorBoard style: a log directory</h2>
          <pre>
            <code>{TENSORBOARD_STYLE}</code>
          </pre>
          <p>then</p>
          <pre>
            <code>{SERVE_LOGDIR}</code>
          </pre>
        </article>
      </div>
      {environment && <p class="version">torchscope {environment.version}</p>}
    </section>
  );
}

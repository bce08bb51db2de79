// Notes from `data/logdir_status`: how far the first read of a large logdir has got, and which
// runs had damaged records skipped, so a gap in a chart is never a mystery. Says nothing once
// everything is read and every record read cleanly.
import { usePolledJSON } from './hooks';

interface RunStatus {
  corrupt_records: number;
  skipped_bytes: number;
  undecodable_records: number;
  bytes_read?: number;
  bytes_total?: number;
}

interface LogdirStatus {
  loaded: boolean;
  runs: Record<string, RunStatus>;
}

function plural(count: number, word: string): string {
  return `${count.toLocaleString()} ${word}${count === 1 ? '' : 's'}`;
}

/** What went wrong reading one run, or null when nothing did. */
function describe(status: RunStatus): string | null {
  const parts: string[] = [];
  if (status.corrupt_records > 0)
    parts.push(`${plural(status.corrupt_records, 'corrupt record')} skipped`);
  if (status.undecodable_records > 0) {
    parts.push(`${plural(status.undecodable_records, 'unreadable record')} skipped`);
  }
  if (status.skipped_bytes > 0)
    parts.push(`${plural(status.skipped_bytes, 'damaged byte')} passed over`);
  return parts.length ? parts.join(', ') : null;
}

export function LogdirHealth({ pollTick }: { pollTick: number }) {
  const { data } = usePolledJSON<[LogdirStatus]>(['data/logdir_status'], pollTick);
  const problems = Object.entries(data?.[0]?.runs ?? {}).flatMap(([run, status]) => {
    const text = describe(status);
    return text ? [{ run, text }] : [];
  });
  const runs = Object.values(data?.[0]?.runs ?? {});
  const read = runs.reduce((sum, status) => sum + (status.bytes_read ?? 0), 0);
  const total = runs.reduce((sum, status) => sum + (status.bytes_total ?? 0), 0);
  const loading = data !== null && !data[0].loaded;
  return (
    <>
      {loading && (
        <p class="dash-note logdir-loading" role="status">
          Reading the log directory
          {total > 0 ? `: ${megabytes(read)} of ${megabytes(total)} MB.` : '…'} The charts fill in
          as it goes.
        </p>
      )}
      {problems.length > 0 && <Problems problems={problems} />}
    </>
  );
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toLocaleString(undefined, { maximumFractionDigits: 1 });
}

function Problems({ problems }: { problems: Array<{ run: string; text: string }> }) {
  return (
    <details class="logdir-health">
      <summary>
        Damaged data was skipped in {plural(problems.length, 'run')}: the rest of each file was
        still read.
      </summary>
      <ul>
        {problems.map(({ run, text }) => (
          <li key={run} data-run={run}>
            <strong>{run}</strong>: {text}
          </li>
        ))}
      </ul>
    </details>
  );
}

// Whether the page is talking to the server; while it is not, when it tries again.
import { useEffect, useState } from 'preact/hooks';
import type { ConnectionState, StatusSocket } from '../api';

/** The socket's connection state, re-rendering on each change. */
export function useConnection(socket: StatusSocket): ConnectionState {
  const [state, setState] = useState(socket.state);
  useEffect(() => {
    setState(socket.state);
    return socket.onState(setState);
  }, [socket]);
  return state;
}

/** Re-renders once a second while `active`, for the retry countdown. */
function useSecondTicks(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [active]);
  return now;
}

const LABELS: Record<ConnectionState['kind'], string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  offline: 'Offline',
};

export function ConnectionIndicator({ socket }: { socket: StatusSocket }) {
  const state = useConnection(socket);
  const offline = state.kind === 'offline';
  const now = useSecondTicks(offline);

  let detail = '';
  if (state.kind === 'offline') {
    detail =
      state.retryAt === null
        ? 'reconnecting…'
        : `retrying in ${Math.max(1, Math.ceil((state.retryAt - now) / 1000))} s`;
  }
  return (
    <div class="connection" data-state={state.kind}>
      <span class="connection-dot" aria-hidden="true" />
      {/* Only the state is announced; the countdown would be read out every second. */}
      <span role="status" class="connection-label">
        {LABELS[state.kind]}
      </span>
      {offline && (
        <>
          <span class="connection-detail">{detail}</span>
          <button
            type="button"
            class="button button-small"
            onClick={socket.retryNow}
            disabled={state.retryAt === null}
          >
            Retry now
          </button>
        </>
      )}
    </div>
  );
}

// The dashboard shell: top bar, and the selected view (or the start page) below it.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { type Environment, getJSON, type PluginsListing, statusSocket } from './api';
import { Loading, NoData, UnknownView } from './components/Panels';
import { TopBar } from './components/TopBar';
import { Welcome } from './components/Welcome';
import { useHashView } from './route';
import { isKnownView, viewLabel, visibleTabs } from './views/registry';
import { ViewHost } from './views/ViewHost';

/** What the server says: its environment and which views have data, kept live by the socket. */
function useServerState() {
  const socket = statusSocket();
  const [listing, setListing] = useState<PluginsListing | null>(null);
  const [environment, setEnvironment] = useState<Environment | null>(null);

  useEffect(() => {
    let heardLive = false;
    const stopListening = socket.onMessage((message) => {
      if (message.type === 'hello') {
        heardLive = true;
        setEnvironment(message.environment);
        setListing(message.views);
      } else if (message.type === 'views') {
        heardLive = true;
        setListing(message.views);
      }
    });
    socket.start();

    // Plain HTTP as well: the page still fills in where a proxy blocks WebSockets.
    const abort = new AbortController();
    Promise.all([
      getJSON<Environment>('data/environment', { signal: abort.signal }),
      getJSON<PluginsListing>('data/plugins_listing', { signal: abort.signal }),
    ]).then(
      ([env, views]) => {
        if (heardLive) return; // the socket's answer is at least as fresh
        setEnvironment(env);
        setListing(views);
      },
      () => {
        // Unreachable server: the connection indicator already says so and keeps retrying.
      },
    );
    return () => {
      stopListening();
      abort.abort();
      socket.stop();
    };
  }, [socket]);

  return { socket, listing, environment };
}

// A plain "#main" link would replace the view in the hash (and, with <base>, could reload the
// page): move the focus instead.
function skipToContent(event: MouseEvent) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

export function App() {
  const { socket, listing, environment } = useServerState();
  const hashView = useHashView();
  const tabs = useMemo(() => visibleTabs(listing), [listing]);

  // With no view in the URL, open the first view that has data.
  const current = hashView ?? tabs[0]?.name ?? null;
  const currentTab = tabs.find((tab) => tab.name === current);
  const title = environment?.window_title || 'torchscope';

  useEffect(() => {
    document.title = currentTab ? `${currentTab.label} · ${title}` : title;
  }, [currentTab, title]);

  useEffect(() => {
    if (listing) document.body.dataset.ready = '1';
  }, [listing]);

  let content;
  if (!listing) {
    content = <Loading what="the dashboard" />;
  } else if (currentTab) {
    content = (
      <ViewHost
        key={currentTab.name}
        name={currentTab.name}
        label={currentTab.label}
        environment={environment}
      />
    );
  } else if (current === null) {
    content = <Welcome environment={environment} />;
  } else if (isKnownView(current, listing)) {
    content = <NoData plugin={current} label={viewLabel(current, listing)} />;
  } else {
    content = <UnknownView name={current} />;
  }

  return (
    <>
      <a class="skip-link" href="#main" onClick={skipToContent}>
        Skip to content
      </a>
      <TopBar
        tabs={tabs}
        current={currentTab ? currentTab.name : null}
        readonly={environment?.readonly ?? false}
        loggedIn={(environment?.auth ?? 'none') !== 'none'}
        socket={socket}
      />
      <main id="main" tabIndex={-1}>
        {content}
      </main>
    </>
  );
}

// The bar at the top: product name, one tab per view that has data, connection, theme, and a
// logout when the server asks visitors to log in.
import type { StatusSocket } from '../api';
import { viewHref } from '../route';
import type { Tab } from '../views/registry';
import { ConnectionIndicator } from './ConnectionIndicator';
import { ThemeToggle } from './ThemeToggle';

interface Props {
  tabs: Tab[];
  current: string | null;
  readonly: boolean;
  /** The server asks visitors to log in (--auth token|password): offer a logout. */
  loggedIn: boolean;
  socket: StatusSocket;
}

export function TopBar({ tabs, current, readonly, loggedIn, socket }: Props) {
  return (
    <header class="topbar">
      <a class="brand" href={viewHref(null)}>
        <img src="favicon.svg" alt="" width="24" height="24" />
        <span>torchscope</span>
      </a>
      <nav class="tabs" aria-label="Views">
        <ul>
          {tabs.map((tab) => (
            <li key={tab.name}>
              <a
                class="tab"
                href={viewHref(tab.name)}
                data-view={tab.name}
                aria-current={tab.name === current ? 'page' : undefined}
              >
                {tab.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="topbar-end">
        {readonly && (
          <span class="badge" title="This server does not accept changes">
            read-only
          </span>
        )}
        <ConnectionIndicator socket={socket} />
        <ThemeToggle />
        {loggedIn && (
          // A plain form: the server clears the session cookie (HttpOnly, so script cannot)
          // and answers with its login page.
          <form class="logout" method="post" action="logout">
            <button type="submit" class="button button-small" title="End this browser's session">
              Log out
            </button>
          </form>
        )}
      </div>
    </header>
  );
}

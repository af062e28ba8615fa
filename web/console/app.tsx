import { useEffect, useState } from 'preact/hooks';
import { liveFeed, type FeedMode } from './live.ts';
import { AutomationsPage } from './pages/automations.tsx';
import { ClusterPage } from './pages/cluster.tsx';
import { IncidentPage } from './pages/incident.tsx';
import { Overview } from './pages/overview.tsx';
import { RunPage } from './pages/run.tsx';
import { RunsPage } from './pages/runs.tsx';
import { SatellitesPage } from './pages/satellites.tsx';
import { SystemPage } from './pages/system.tsx';
import { href, useRoute, type Route } from './router.ts';
import { currentToken, onTokenChange, signIn, signOut } from './session.ts';

const nav: Array<[label: string, path: string]> = [
  ['Overview', ''],
  ['Automations', 'automations'],
  ['Runs', 'runs'],
  ['Satellites', 'satellites'],
  ['Cluster', 'cluster'],
];

function Page({ route }: { route: Route }) {
  const [first = '', id] = route.segments;
  if (first === '') return <Overview />;
  if (first === 'systems' && id) return <SystemPage id={id} />;
  if (first === 'incidents' && id) return <IncidentPage id={id} />;
  if (first === 'automations') return <AutomationsPage />;
  if (first === 'runs' && id) return <RunPage id={id} />;
  if (first === 'runs') return <RunsPage route={route} />;
  if (first === 'satellites') return <SatellitesPage />;
  if (first === 'cluster') return <ClusterPage />;
  return (
    <>
      <h1>Not found</h1>
      <p>
        No page at this address. <a href={href()}>Overview</a>
      </p>
    </>
  );
}

function SignIn({ notice }: { notice: string | null }) {
  const submit = (event: Event) => {
    event.preventDefault();
    const token = String(new FormData(event.currentTarget as HTMLFormElement).get('token') ?? '').trim();
    if (token) signIn(token);
  };
  return (
    <main id="main" class="sign-in">
      <h1>Vigil console</h1>
      {notice && <p role="alert">{notice}</p>}
      <form onSubmit={submit} class="card">
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="off" required spellcheck={false} />
        <p class="muted small">
          Kept in this tab's session storage until you sign out or close the tab; sent as <code>Authorization: Bearer</code> with every request.
        </p>
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

const modeText: Record<FeedMode, string> = { connecting: 'Connecting…', live: 'Live', polling: 'Refreshing every 3 s' };

export function App() {
  const [token, setToken] = useState(currentToken);
  const [notice, setNotice] = useState<string | null>(null);
  const [mode, setMode] = useState<FeedMode>(liveFeed.mode);
  const route = useRoute();
  useEffect(
    () =>
      onTokenChange((next) => {
        if (!next) {
          liveFeed.stop();
          setNotice(currentToken() === null && token ? 'Signed out.' : null);
        }
        setToken(next);
      }),
    [token],
  );
  useEffect(() => liveFeed.onMode(setMode), []);
  const path = route.segments.join('/');
  const [firstPath] = useState(path);
  useEffect(() => {
    // After navigating, move focus to the page, so keyboard and screen reader users start there.
    if (path !== firstPath) document.getElementById('main')?.focus();
  }, [path]);

  if (!token) return <SignIn notice={notice} />;
  const current = route.segments[0] ?? '';
  return (
    <>
      <a class="skip-link" href="#main" onClick={(event) => (event.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href()}>
          Vigil
        </a>
        <nav aria-label="Main">
          <ul>
            {nav.map(([label, path]) => (
              <li key={path}>
                <a href={path ? href(path) : href()} aria-current={current === path ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class={`feed feed-${mode}`} role="status" data-testid="feed-mode">
          {modeText[mode]}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

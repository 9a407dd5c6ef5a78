import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, messageOf, setCsrf, whenSignedOut } from "./api.js";
import { AuditPage } from "./pages/audit.js";
import { IdentitiesPage } from "./pages/identities.js";
import { InventoryPage } from "./pages/inventory.js";
import { KillPage } from "./pages/kill.js";
import { OverviewPage } from "./pages/overview.js";
import { PoliciesPage } from "./pages/policies.js";
import { RuntimesPage } from "./pages/runtimes.js";
import { GuardsPage } from "./pages/guards.js";
import { ToolsPage } from "./pages/tools.js";
import { TrafficPage } from "./pages/traffic.js";
import { VersionPage } from "./pages/version.js";
import { PAGES, type Route, useRoute } from "./router.js";
import type { SessionView } from "./types.js";
import { SessionContext, Status, When } from "./ui.js";

// The shell: who is signed in, the sections, and the page of the current route. Signed out, the sign-in form.

type Auth =
  | { readonly state: "checking" }
  | { readonly state: "signed-out"; readonly message?: string | undefined }
  | { readonly state: "signed-in"; readonly session: SessionView };

export function App({ linkToken }: { linkToken: string | undefined }) {
  const [auth, setAuth] = useState<Auth>({ state: "checking" });
  const signedIn = (session: SessionView) => {
    setCsrf(session.csrf);
    setAuth({ state: "signed-in", session });
  };
  const signedOut = (message?: string) => {
    setCsrf(null);
    setAuth({ state: "signed-out", message });
  };
  useEffect(() => {
    whenSignedOut((message) => signedOut(`You are signed out: ${message}`));
    const start =
      linkToken !== undefined
        ? api<SessionView>("/control/session", { body: { link: linkToken }, signingIn: true })
        : api<SessionView>("/control/session", { signingIn: true });
    start.then(signedIn, (err: unknown) => {
      // No session yet is the ordinary start; only a failed link needs saying.
      if (linkToken !== undefined) signedOut(`The sign-in link did not work: ${messageOf(err)}`);
      else signedOut(err instanceof ApiError && err.status === 401 ? undefined : messageOf(err));
    });
  }, []);

  if (auth.state === "checking")
    return (
      <main id="main" class="signin">
        <p role="status">{linkToken === undefined ? "Checking your session…" : "Signing in with your link…"}</p>
      </main>
    );
  if (auth.state === "signed-out") return <SignIn message={auth.message} onSignedIn={signedIn} />;
  return (
    <SessionContext.Provider value={auth.session}>
      <Shell session={auth.session} onSignOut={() => signedOut("You signed out.")} />
    </SessionContext.Provider>
  );
}

function SignIn({ message, onSignedIn }: { message: string | undefined; onSignedIn: (s: SessionView) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = await api<SessionView>("/control/session", { body: { key: key.trim() }, signingIn: true });
      setKey("");
      onSignedIn(session);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <div class="signin-box">
        <h1>Sign in to Perimeter</h1>
        {message === undefined ? null : <p class="signin-note">{message}</p>}
        <form onSubmit={submit}>
          <label for="signin-key">API key</label>
          <p id="signin-key-help" class="help">
            The key of an identity that holds an admin role (viewer, auditor, operator, approver or admin).
          </p>
          <input
            id="signin-key"
            type="password"
            autocomplete="off"
            spellcheck={false}
            required
            aria-describedby="signin-key-help"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
          />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
        <Status notice={error === undefined ? undefined : { kind: "error", text: error }} />
        <p class="help">
          Or open the one-time sign-in link that <code>perimeter up</code> prints (another: <code>perimeter dashboard link</code>).
        </p>
      </div>
    </main>
  );
}

function Shell({ session, onSignOut }: { session: SessionView; onSignOut: () => void }) {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const first = useRef(true);
  const [signOutError, setSignOutError] = useState<string | undefined>(undefined);
  const title = titleOf(route);
  useEffect(() => {
    document.title = `${title} · Perimeter`;
    setMenuOpen(false);
    // After a navigation, start reading and tabbing at the new page, not at the link that led there.
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [route.page, route.page === "version" ? route.ref : ""]);
  const signOut = async () => {
    try {
      await api("/control/session", { method: "DELETE" });
      onSignOut();
    } catch (err) {
      setSignOutError(messageOf(err));
    }
  };
  const current = route.page === "version" ? "inventory" : route.page;
  return (
    <div class="shell">
      {/* A button, not a link to #main: the URL's fragment is the route. */}
      <button type="button" class="skip-link" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <header class="topbar">
        <span class="brand">Perimeter</span>
        <button type="button" class="menu-button" aria-expanded={menuOpen} aria-controls="sections" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <p class="who">
          Signed in as <strong>{session.actor}</strong> <span class="muted">({session.roles.join(", ")})</span>
          <span class="until">
            {" "}
            until <When iso={session.expiresAt} />
          </span>
        </p>
        <button type="button" class="secondary signout" onClick={signOut}>
          Sign out
        </button>
        {signOutError === undefined ? null : (
          <p role="alert" class="status-error">
            {signOutError}
          </p>
        )}
      </header>
      <nav id="sections" class={menuOpen ? "sections open" : "sections"} aria-label="Sections">
        <ul>
          {PAGES.map((p) => (
            <li key={p.page}>
              <a href={`#/${p.page}`} aria-current={current === p.page ? "page" : undefined}>
                {p.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1} class="content">
        <Page route={route} />
      </main>
    </div>
  );
}

function titleOf(route: Route): string {
  if (route.page === "version") return route.ref;
  if (route.page === "unknown") return "Not found";
  return PAGES.find((p) => p.page === route.page)?.title ?? "Perimeter";
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "overview":
      return <OverviewPage />;
    case "inventory":
      return <InventoryPage />;
    case "version":
      return <VersionPage key={route.ref} reference={route.ref} />;
    case "runtimes":
      return <RuntimesPage />;
    case "identities":
      return <IdentitiesPage />;
    case "traffic":
      return <TrafficPage />;
    case "audit":
      return <AuditPage />;
    case "kill":
      return <KillPage />;
    case "guards":
      return <GuardsPage />;
    case "tools":
      return <ToolsPage />;
    case "policies":
      return <PoliciesPage />;
    case "unknown":
      return (
        <>
          <h1>Not found</h1>
          <p>
            There is no page at <code>#{route.path}</code>. <a href="#/overview">Go to the overview</a>.
          </p>
        </>
      );
  }
}

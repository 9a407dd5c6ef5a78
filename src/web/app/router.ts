import { useEffect, useState } from "preact/hooks";

// Hash routes (#/overview, #/versions/name%40version, …): the server serves one page at /ui/, and a link to any
// view can be bookmarked or shared without the server knowing the routes.

export const PAGES = [
  { page: "overview", title: "Overview" },
  { page: "inventory", title: "Inventory" },
  { page: "runtimes", title: "Runtimes" },
  { page: "identities", title: "Identities" },
  { page: "traffic", title: "Live traffic" },
  { page: "audit", title: "Audit log" },
  { page: "kill", title: "Kill switch" },
  { page: "guards", title: "Guards" },
  { page: "tools", title: "Tools" },
  { page: "policies", title: "Policies" },
] as const;

export type PageName = (typeof PAGES)[number]["page"];

export type Route = { readonly page: PageName } | { readonly page: "version"; readonly ref: string } | { readonly page: "unknown"; readonly path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, "");
  if (path === "") return { page: "overview" };
  const slash = path.indexOf("/");
  const head = slash === -1 ? path : path.slice(0, slash);
  const rest = slash === -1 ? "" : path.slice(slash + 1);
  if (head === "versions" && rest !== "") {
    try {
      return { page: "version", ref: decodeURIComponent(rest) };
    } catch {
      return { page: "unknown", path };
    }
  }
  const known = PAGES.find((p) => p.page === head);
  return known !== undefined && rest === "" ? { page: known.page } : { page: "unknown", path };
}

export function versionHref(ref: string): string {
  return `#/versions/${encodeURIComponent(ref)}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** The one-time sign-in token of a link from `perimeter up` (#signin=TOKEN), taken out of the URL at once. */
export function takeSignInToken(): string | undefined {
  const m = /^#signin=([^&]+)/.exec(location.hash);
  if (m === null) return undefined;
  // Out of the address bar and the history before it is used: a token must not outlive its one use.
  history.replaceState(null, "", `${location.pathname}${location.search}#/overview`);
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
}

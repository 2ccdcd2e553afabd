// The console's pages: a small router over location.pathname (links navigate without a
// reload), a sign-in form when the console asks for an operator token.

import { api, ApiError, setToken, token } from "./api";
import { errorBox, h } from "./dom";
import { campaignPage } from "./pages/campaign";
import { campaignsPage } from "./pages/campaigns";
import { customerPage, customerSearch } from "./pages/customer";
import { journeyPage } from "./pages/journey";
import { lintPage } from "./pages/lint";

let current: AbortController | null = null;

async function route(main: HTMLElement, path: string, search: URLSearchParams, signal: AbortSignal): Promise<void> {
  const part = (re: RegExp) => { const m = path.match(re); return m ? decodeURIComponent(m[1]) : null; };
  let id: string | null;
  if (path === "/" || path === "") return campaignsPage(main);
  if ((id = part(/^\/campaigns\/([^/]+)$/))) return campaignPage(main, id, Number(search.get("version") ?? 0), signal);
  if ((id = part(/^\/journeys\/([^/]+)$/))) return journeyPage(main, id);
  if ((id = part(/^\/customers\/([^/]+)$/))) return customerPage(main, id);
  if (path === "/customers") return customerSearch(main);
  if (path === "/lint") return lintPage(main);
  main.append(h("h1", {}, "Not found"), h("p", {}, `No page at ${path}.`));
}

function signIn(main: HTMLElement, message: string): void {
  const input = h("input", { type: "password", id: "token", placeholder: "operator token", size: "40", autocomplete: "current-password" });
  const form = h("form", { id: "sign-in" }, h("p", {}, message), input, h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); setToken(input.value.trim()); void render(); });
  main.replaceChildren(h("h1", {}, "Sign in"), form);
}

async function render(): Promise<void> {
  current?.abort();
  current = new AbortController();
  const main = document.getElementById("main")!;
  main.replaceChildren();
  main.removeAttribute("data-ready");
  try {
    await route(main, location.pathname, new URLSearchParams(location.search), current.signal);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      signIn(main, token() ? "That token was refused. Try another." : "This console needs an operator token.");
    } else {
      main.append(errorBox(e));
    }
  }
  main.dataset.ready = "true";
  void showSession();
}

async function showSession(): Promise<void> {
  const el = document.getElementById("session")!;
  try {
    const s = await api.session();
    const out = h("button", { class: "link" }, "sign out");
    out.addEventListener("click", () => { setToken(""); void render(); });
    el.replaceChildren(`${s.operator} (${s.scopes.join(", ")})`, s.open ? "" : out);
  } catch {
    el.replaceChildren();
  }
}

function navigate(to: string): void {
  history.pushState(null, "", to);
  void render();
}

document.addEventListener("click", (ev) => {
  const a = (ev.target as Element).closest?.("a");
  if (!a || a.target || ev.ctrlKey || ev.metaKey || ev.shiftKey || a.origin !== location.origin) return;
  ev.preventDefault();
  navigate(a.pathname + a.search);
});
window.addEventListener("navigate", (ev) => navigate((ev as CustomEvent<string>).detail));
window.addEventListener("popstate", () => void render());
void render();

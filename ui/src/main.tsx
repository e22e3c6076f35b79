/** The dashboard's shell: login, navigation, and a hash router (the server serves one file, /ui/index.html). */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, getToken, setToken, whenUnauthorized } from "./api.js";
import { InstancePage } from "./pages/instance.js";
import { InstancesPage } from "./pages/instances.js";
import { OverviewPage } from "./pages/overview.js";
import "./style.css";

interface Route {
  page: "instances" | "instance" | "overview";
  id?: string;
  query: URLSearchParams;
}

function parseHash(hash: string): Route {
  const [path = "", search = ""] = hash.replace(/^#/, "").split("?");
  const query = new URLSearchParams(search);
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "instances" && parts[1])
    return { page: "instance", id: decodeURIComponent(parts[1]), query };
  if (parts[0] === "overview") return { page: "overview", query };
  return { page: "instances", query };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

type Auth = "checking" | "needed" | "ok";

function App() {
  const route = useRoute();
  const [auth, setAuth] = useState<Auth>("checking");
  const [server, setServer] = useState("");

  useEffect(() => {
    whenUnauthorized(() => setAuth("needed"));
    api.metadata().then(
      (meta) => {
        setServer(meta.runtimeVersion);
        setAuth("ok");
      },
      (error: unknown) => setAuth(error instanceof ApiError && error.status === 401 ? "needed" : "ok"),
    );
  }, []);

  if (auth === "checking") return <p class="muted pad">Connecting…</p>;
  if (auth === "needed") return <Login onDone={() => setAuth("ok")} />;
  return (
    <>
      <header class="top">
        <a class="brand" href="#/instances">
          Weft
        </a>
        <nav aria-label="Main">
          <a href="#/instances" aria-current={route.page !== "overview" ? "page" : undefined}>
            Instances
          </a>
          <a href="#/overview" aria-current={route.page === "overview" ? "page" : undefined}>
            Overview
          </a>
        </nav>
        <span class="muted small server">{server}</span>
        {getToken() && (
          <button
            type="button"
            class="link"
            onClick={() => {
              setToken(undefined);
              setAuth("needed");
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main>
        {route.page === "overview" && <OverviewPage />}
        {route.page === "instances" && <InstancesPage query={route.query} />}
        {/* Keyed by id: another instance is a fresh page, with none of the last one's state. */}
        {route.page === "instance" && route.id && <InstancePage key={route.id} id={route.id} />}
      </main>
    </>
  );
}

function Login({ onDone }: { onDone: () => void }) {
  const [token, setValue] = useState("");
  const [error, setError] = useState("");
  const submit = async (event: Event) => {
    event.preventDefault();
    setToken(token);
    try {
      await api.metadata();
      onDone();
    } catch (failure) {
      setToken(undefined);
      setError(
        failure instanceof ApiError && failure.status === 401 ? "That token was refused." : String(failure),
      );
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Weft dashboard</h1>
        <p class="muted">
          This server requires its API token (DAPR_API_TOKEN). It is kept for this tab only.
        </p>
        <label for="token">API token</label>
        <input
          id="token"
          type="password"
          autocomplete="current-password"
          value={token}
          onInput={(e) => setValue(e.currentTarget.value)}
          required
        />
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

render(<App />, document.getElementById("app")!);

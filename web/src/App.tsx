import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import { api, rememberCsrf, unwrap, type Agent } from "./api/client";
import { ApiProblem, messageOf } from "./lib/problems";
import { Desk } from "./views/Desk";
import { Login } from "./views/Login";
import { Supervisor } from "./views/Supervisor";

// The reports and their charts come with that page only: the agent's desk never loads them.
const Reports = lazy(() => import("./views/Reports"));

type Session = { agent: Agent } | "unknown" | "signed-out";

export function App() {
  const [session, setSession] = useState<Session>("unknown");
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    unwrap(api.GET("/api/v1/workspace/me"))
      .then((me) => setSession({ agent: me.agent }))
      .catch((error: unknown) => {
        if (!(error instanceof ApiProblem && error.problem.status === 401)) setMessage(messageOf(error));
        setSession("signed-out");
      });
  }, []);

  const signedOut = useCallback((why?: string) => {
    rememberCsrf(null);
    setMessage(why ?? null);
    setSession("signed-out");
  }, []);

  if (session === "unknown") return <p className="loading">Loading…</p>;
  if (session === "signed-out") {
    return (
      <Login
        message={message}
        onSignedIn={(agent) => {
          setMessage(null);
          setSession({ agent });
        }}
      />
    );
  }
  if (location.pathname === "/reports") {
    return (
      <Suspense fallback={<p className="loading">Loading…</p>}>
        <Reports agent={session.agent} onSignedOut={signedOut} />
      </Suspense>
    );
  }
  if (location.pathname === "/supervisor") return <Supervisor agent={session.agent} onSignedOut={signedOut} />;
  return <Desk agent={session.agent} onSignedOut={signedOut} />;
}

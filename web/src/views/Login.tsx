import { useState, type FormEvent } from "react";
import { api, rememberCsrf, unwrap, type Agent } from "../api/client";
import { messageOf } from "../lib/problems";

export function Login({ message, onSignedIn }: { message: string | null; onSignedIn: (agent: Agent) => void }) {
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(message);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const signed = await unwrap(api.POST("/api/v1/workspace/session", { body: { login, password } }));
      rememberCsrf(signed.csrf_token);
      onSignedIn(signed.agent);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Ringback</h1>
        <p>Sign in to your agent workspace.</p>
        <label>
          Login
          <input name="login" autoComplete="username" autoFocus required value={login} onChange={(e) => setLogin(e.target.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

// The top bar of the supervisor's pages (live view and reports), and what anyone else sees there.
import type { ReactNode } from "react";
import { api, unwrap, type Agent } from "../api/client";
import { messageOf } from "../lib/problems";

/** Brand, who is signed in, the other supervisor page (for supervisors), the desk, Sign out. */
export function SupervisorHeader({
  title,
  agent,
  other,
  onSignedOut,
  onError,
}: {
  title: string;
  agent: Agent;
  other: { href: string; label: string } | null;
  onSignedOut: (why?: string) => void;
  onError: (message: string) => void;
}) {
  async function signOut() {
    try {
      await unwrap(api.DELETE("/api/v1/workspace/session"));
      onSignedOut();
    } catch (failure) {
      onError(messageOf(failure));
    }
  }

  return (
    <header className="topbar">
      <span className="brand">{`Ringback · ${title}`}</span>
      <span className="agent">{agent.name}</span>
      <nav aria-label="Pages">
        {other && <a href={other.href}>{other.label}</a>}
        <a href="/">My desk</a>
        <button type="button" className="plain" onClick={() => void signOut()}>
          Sign out
        </button>
      </nav>
    </header>
  );
}

/** A page of the supervisor's opened by someone who is not one: the top bar and a refusal. */
export function SupervisorsOnly({ className, header }: { className: string; header: ReactNode }) {
  return (
    <div className={className}>
      {header}
      <p role="alert">This page is for supervisors.</p>
    </div>
  );
}

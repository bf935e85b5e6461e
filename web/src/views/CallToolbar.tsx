// The interaction's toolbar: icon buttons with their names, a tooltip with the keyboard shortcut,
// states in colour, in groups that stay on one line at 1280 pixels.
import type { LucideIcon } from "lucide-react";
import { CalendarClock, CircleCheck, Grid3x3, MessagesSquare, Pause, Phone, PhoneForwarded, PhoneOff, Play, Users } from "lucide-react";
import type { Action } from "../api/client";

export type ToolbarCommand = "call" | "end_call" | "hold" | "resume" | "transfer" | "conference" | "dtmf" | "consultation" | "reschedule" | "mark_done";

type Tool = {
  command: ToolbarCommand;
  action: Action;
  /** The accessible name, as the help page names the action. */
  name: string;
  /** What the button shows: a word or two, contained in the name. */
  short: string;
  icon: LucideIcon;
  shortcut?: { aria: string; shown: string };
  tone?: "go" | "stop" | "active" | "done";
  group: "call" | "hand-over" | "more" | "finish";
};

const HOLD_KEY = { aria: "Control+Alt+H", shown: "Ctrl+Alt+H" };

function tools(web: boolean, previewing: boolean): Tool[] {
  return [
    { command: "call", action: "call", name: "Call", short: "Call", icon: Phone, tone: "go", group: "call" },
    { command: "end_call", action: "end_call", name: "End Call", short: "End Call", icon: PhoneOff, shortcut: { aria: "Control+Alt+E", shown: "Ctrl+Alt+E" }, tone: "stop", group: "call" },
    { command: "hold", action: "hold", name: "Hold", short: "Hold", icon: Pause, shortcut: HOLD_KEY, group: "call" },
    // On hold: the button that takes the customer back stands out in the hold colour.
    { command: "resume", action: "resume", name: "Resume", short: "Resume", icon: Play, shortcut: HOLD_KEY, tone: "active", group: "call" },
    { command: "transfer", action: "transfer", name: "Instant Call Transfer", short: "Transfer", icon: PhoneForwarded, group: "hand-over" },
    { command: "conference", action: "conference", name: "Instant Call Conference", short: "Conference", icon: Users, group: "hand-over" },
    { command: "consultation", action: "start_consultation", name: "Start Consultation", short: "Consult", icon: MessagesSquare, group: "hand-over" },
    { command: "dtmf", action: "send_dtmf", name: "Send DTMF", short: "DTMF", icon: Grid3x3, group: "more" },
    { command: "reschedule", action: "reschedule", name: web ? "Schedule a Callback" : "Reschedule a Callback", short: web ? "Schedule" : "Reschedule", icon: CalendarClock, group: "more" },
    { command: "mark_done", action: "mark_done", name: previewing ? "Done" : "Mark Done", short: previewing ? "Done" : "Mark Done", icon: CircleCheck, shortcut: { aria: "Control+Alt+D", shown: "Ctrl+Alt+D" }, tone: "done", group: "finish" },
  ];
}

export function CallToolbar({
  actions,
  web,
  previewing,
  busy,
  doneBlocked,
  blockedId,
  onCommand,
}: {
  actions: Action[];
  web: boolean;
  previewing: boolean;
  busy: boolean;
  doneBlocked: boolean;
  /** The id of the text saying why Mark Done waits. */
  blockedId: string;
  onCommand: (command: ToolbarCommand) => void;
}) {
  const shown = tools(web, previewing).filter((tool) => actions.includes(tool.action));
  const groups = (["call", "hand-over", "more", "finish"] as const).map((group) => shown.filter((tool) => tool.group === group)).filter((list) => list.length > 0);
  return (
    <div role="toolbar" aria-label={previewing ? "Call Preview Actions" : "Call Actions"} aria-busy={busy} className="call-toolbar">
      <fieldset disabled={busy} className="contents">
        {groups.map((list) => (
          <div key={list[0]?.group} className={`tool-group group-${list[0]?.group}`}>
            {list.map((tool) => {
              const blocked = tool.command === "mark_done" && doneBlocked;
              const Icon = tool.icon;
              return (
                <button
                  key={tool.command}
                  type="button"
                  className={`tool${tool.tone ? ` tone-${tool.tone}` : ""}`}
                  aria-label={tool.name}
                  aria-keyshortcuts={tool.shortcut?.aria}
                  aria-describedby={blocked ? blockedId : undefined}
                  disabled={blocked}
                  onClick={() => onCommand(tool.command)}
                >
                  <Icon aria-hidden="true" size={18} strokeWidth={2} />
                  <span className="tool-label" aria-hidden="true">
                    {tool.short}
                  </span>
                  {/* Seen on hover and keyboard focus; assistive technology reads aria-keyshortcuts. */}
                  <span className="tooltip" aria-hidden="true">
                    {tool.name}
                    {tool.shortcut && <kbd>{tool.shortcut.shown}</kbd>}
                  </span>
                </button>
              );
            })}
          </div>
        ))}
      </fieldset>
    </div>
  );
}

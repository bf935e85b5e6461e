// "Insert" from the Responses view goes into the text box the agent used last.
type Inserter = (text: string) => void;

let target: Inserter | null = null;

export function editorFocused(insert: Inserter): void {
  target = insert;
}

export function editorGone(insert: Inserter): void {
  if (target === insert) target = null;
}

/** False when no text box is open to take it. */
export function insertText(text: string): boolean {
  if (!target) return false;
  target(text);
  return true;
}

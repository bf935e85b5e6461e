import { afterEach, describe, expect, it, vi } from "vitest";
import { editorFocused, editorGone, insertText } from "./insert";

describe("insertText", () => {
  const boxes: ((text: string) => void)[] = [];
  const box = () => {
    const insert = vi.fn<(text: string) => void>();
    boxes.push(insert);
    return insert;
  };
  afterEach(() => boxes.splice(0).forEach(editorGone));

  it("is refused when no text box was used", () => {
    expect(insertText("Hello")).toBe(false);
  });

  it("goes into the text box used last", () => {
    const first = box();
    const second = box();
    editorFocused(first);
    editorFocused(second);
    expect(insertText("Hello")).toBe(true);
    expect(second).toHaveBeenCalledWith("Hello");
    expect(first).not.toHaveBeenCalled();
  });

  it("is refused once that text box is gone", () => {
    const only = box();
    editorFocused(only);
    editorGone(only);
    expect(insertText("Hello")).toBe(false);
    expect(only).not.toHaveBeenCalled();
  });

  it("still reaches the last text box when an older one goes away", () => {
    const older = box();
    const current = box();
    editorFocused(older);
    editorFocused(current);
    editorGone(older);
    expect(insertText("Regards")).toBe(true);
    expect(current).toHaveBeenCalledWith("Regards");
  });
});

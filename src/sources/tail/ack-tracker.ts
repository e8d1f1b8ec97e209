/** A line whose findings are still on their way to the sinks. */
export interface AckMark {
  /** Byte offset where the line starts, and how many lines come before it. */
  offset: number;
  linesBefore: number;
  /** Sink confirmations still missing. */
  pending: number;
}

/**
 * Which offset of a file may be checkpointed: everything before the first line whose findings
 * some sink has not confirmed yet, or, with nothing outstanding, every complete line read. A
 * restart from there may repeat findings already delivered (same ids, so no duplicates in the
 * engine), and never skips one.
 */
export class AckTracker {
  private marks: AckMark[] = [];

  mark(offset: number, linesBefore: number, pending: number): AckMark {
    const mark = { offset, linesBefore, pending };
    if (pending > 0) this.marks.push(mark);
    return mark;
  }

  done(mark: AckMark): void {
    mark.pending = Math.max(0, mark.pending - 1);
  }

  /** Findings still waiting for a sink. */
  get outstanding(): number {
    this.dropConfirmed();
    return this.marks.length;
  }

  committable(completeUpTo: number, linesSeen: number): { offset: number; line: number } {
    this.dropConfirmed();
    // The earliest line still waiting, wherever it was marked: a series finding (a memory growth
    // episode) is marked when it is found, at a line before findings marked earlier.
    let first: AckMark | undefined;
    for (const mark of this.marks) if (mark.pending > 0 && (first === undefined || mark.offset < first.offset)) first = mark;
    return first ? { offset: first.offset, line: first.linesBefore } : { offset: completeUpTo, line: linesSeen };
  }

  /** The file was truncated: what was outstanding belongs to content that is gone. */
  reset(): void {
    this.marks = [];
  }

  private dropConfirmed(): void {
    let i = 0;
    while (i < this.marks.length && this.marks[i]!.pending === 0) i++;
    if (i > 0) this.marks.splice(0, i);
  }
}

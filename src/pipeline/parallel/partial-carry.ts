import type { OpenPartial } from '../../parse/records.js';
import type { BlockPlace, BlockResult } from './block-scan.js';

/**
 * Partial container lines (CRI `P` pieces, Docker's 16 KiB entries) that one block leaves open
 * and a later one finishes. Blocks are read in parallel, each from a clean state; a block that
 * comes after open partial lines and itself holds container lines is read again, in order, with
 * them, so the result is the sequential reader's. Frames are kept placed in the input.
 */
export class PartialCarry {
  private open: OpenPartial[] = [];

  /** A block's result as the sequential reader would have made it, merged in input order. */
  settle(result: BlockResult, place: BlockPlace, rescan: (bytes: Buffer, carried: OpenPartial[]) => BlockResult): BlockResult {
    if (this.open.length > 0 && result.envelopeBytes !== undefined) {
      const bytes = Buffer.from(result.envelopeBytes.buffer, result.envelopeBytes.byteOffset, result.envelopeBytes.byteLength);
      const settled = rescan(bytes, this.open.map((open) => moved(open, -place.lineBase, -place.offset)));
      this.open = settled.openPartials.map((open) => moved(open, place.lineBase, place.offset));
      return settled;
    }
    // A block without container lines cannot go on with what is open; what it leaves open (nothing, then) is added.
    for (const open of result.openPartials) this.open.push(moved(open, place.lineBase, place.offset));
    return result;
  }

  /** The input ended: the partial lines still open, placed in the input. */
  unfinished(): OpenPartial[] {
    return this.open.splice(0);
  }
}

function moved(open: OpenPartial, lines: number, bytes: number): OpenPartial {
  return { ...open, frame: { ...open.frame, line: open.frame.line + lines, offset: open.frame.offset + bytes } };
}

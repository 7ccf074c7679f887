// Text for SVG figures drawn without a layout engine: XML escaping, string widths in DejaVu Sans (the font the
// figures name and resvg draws with, see chart-render.ts) and greedy line wrapping to a pixel width.

/** Escapes text for SVG/XML element content and quoted attributes. */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Advance widths of DejaVu Sans (Book) for code points 32–126 in 1/1000 em, read from the hmtx table of
 * /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf (2048 units per em, rounded).
 */
const ASCII_ADVANCE: readonly number[] = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636,
  636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863,
  748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635,
  615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636,
  337, 636, 838,
];
/** ✓ (U+2713), ✗ (U+2717) and … (U+2026) in DejaVu Sans; any other non-ASCII character is taken as 1 em (wide). */
const OTHER_ADVANCE: Readonly<Record<string, number>> = { '\u2713': 838, '\u2717': 838, '\u2026': 1000 };

/** Width in pixels of `text` set in DejaVu Sans at `fontSize` px (bold runs ~10% wider: pass `bold`). */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let units = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    units += cp >= 32 && cp < 127 ? ASCII_ADVANCE[cp - 32]! : (OTHER_ADVANCE[ch] ?? 1000);
  }
  return (units / 1000) * fontSize * (bold ? 1.1 : 1);
}

/**
 * Greedy word wrap of `text` into lines at most `width` px wide at `fontSize` (words longer than a line are cut
 * between characters). At most `maxLines` lines: when the text needs more, the last kept line ends in "…".
 * `firstIndent` px are reserved at the start of the first line (e.g. for a ✓/✗ drawn before the text).
 */
export function wrapText(
  text: string,
  width: number,
  fontSize: number,
  maxLines = Infinity,
  firstIndent = 0,
): string[] {
  if (!(width > 0)) throw new Error(`refract wrapText: width must be > 0 px, got ${width}`);
  if (!(maxLines >= 1)) throw new Error(`refract wrapText: maxLines must be ≥ 1, got ${maxLines}`);
  const room = (i: number): number => width - (i === 0 ? firstIndent : 0);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const joined = line === '' ? word : `${line} ${word}`;
    if (textWidth(joined, fontSize) <= room(lines.length)) {
      line = joined;
      continue;
    }
    if (line !== '') lines.push(line);
    line = '';
    for (const ch of word) {
      // a word wider than a whole line is cut where it overflows
      if (line !== '' && textWidth(line + ch, fontSize) > room(lines.length)) {
        lines.push(line);
        line = '';
      }
      line += ch;
    }
  }
  if (line !== '') lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  let last = `${kept[maxLines - 1]!}\u2026`;
  while (last.length > 1 && textWidth(last, fontSize) > room(maxLines - 1)) last = `${last.slice(0, -2)}\u2026`;
  kept[maxLines - 1] = last;
  return kept;
}

declare module 'subset-font' {
  /** Subset a font to the glyphs of `text` (harfbuzz, WebAssembly, offline). */
  export default function subsetFont(
    font: Uint8Array,
    text: string,
    options?: {
      targetFormat?: 'sfnt' | 'woff' | 'woff2' | 'truetype';
      preserveNameIds?: number[];
      keepFeatures?: string[];
    },
  ): Promise<Buffer>;
}

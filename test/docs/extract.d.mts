export interface Example {
  readonly id: string
  readonly source: string
  readonly code: string
}
export declare const root: string
export declare const generatedDir: string
export declare const apiDocsDir: string
export declare const collectExamples: () => ReadonlyArray<Example>
export declare const writeExamples: () => ReadonlyArray<Example & { readonly file: string }>

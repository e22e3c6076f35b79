/** One versioned schema change; its own file so that the files holding later migrations need not import the list. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

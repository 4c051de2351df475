/** One column heading: its text, a visually hidden one (a checkbox column), or text with a class (`num` right-aligns). */
export type TableColumn = string | { hidden: string } | { label: string; class?: string }

const keyOf = (column: TableColumn) => (typeof column === 'string' ? column : 'hidden' in column ? column.hidden : column.label)

/** A table's header row: one column heading per label (an empty label is a visually hidden one). */
export function TableHead({ columns }: { columns: TableColumn[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th scope="col" key={keyOf(column)} class={typeof column === 'object' && 'label' in column ? column.class : undefined}>
            {typeof column === 'string' ? column : 'hidden' in column ? <span class="visually-hidden">{column.hidden}</span> : column.label}
          </th>
        ))}
      </tr>
    </thead>
  )
}

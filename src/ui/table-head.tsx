/** A table's header row: one column heading per label (an empty label is a visually hidden one). */
export function TableHead({ columns }: { columns: (string | { hidden: string })[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th scope="col" key={typeof column === 'string' ? column : column.hidden}>
            {typeof column === 'string' ? column : <span class="visually-hidden">{column.hidden}</span>}
          </th>
        ))}
      </tr>
    </thead>
  )
}

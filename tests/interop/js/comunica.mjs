// Runs one query with Comunica (@comunica/query-sparql) and prints the answer as JSON.
// Usage: node comunica.mjs MODE URL QUERY
//   MODE sparql: the source is declared a SPARQL endpoint (the CLI's sparql@URL)
//   MODE introspect: the source is a bare URL; Comunica dereferences it and finds the endpoint in its
//   service description
import { QueryEngine } from '@comunica/query-sparql'

const [mode, url, query] = process.argv.slice(2)
const sources = [mode === 'sparql' ? { type: 'sparql', value: url } : url]
const term = t => ({ termType: t.termType, value: t.value })

async function run () {
  const engine = new QueryEngine()
  const result = await engine.query(query, { sources, lenient: false })
  if (result.resultType === 'boolean') return result.execute()
  const items = await (await result.execute()).toArray()
  if (result.resultType === 'bindings') {
    return items.map(b => Object.fromEntries([...b].map(([k, v]) => [k.value, term(v)])))
  }
  return items.map(q => [term(q.subject), term(q.predicate), term(q.object)])
}

run().then(answer => console.log(JSON.stringify(answer)), err => { console.error(err); process.exit(1) })

// Runs one request with sparql-http-client (its ParsingClient, as its users call it) and prints the answer as JSON.
// Usage: node sparql-http-client.mjs ENDPOINT_URL STORE_URL FORM OPERATION QUERY_OR_GRAPH
//   FORM: select | ask | construct | graph (a Graph Store read of the graph named by the last argument)
//   OPERATION: get | postUrlencoded | postDirect (the SPARQL Protocol operation the client uses)
import ParsingClient from 'sparql-http-client/ParsingClient.js'
import StreamClient from 'sparql-http-client/StreamClient.js'
import rdf from '@rdfjs/data-model'

const [endpointUrl, storeUrl, form, operation, text] = process.argv.slice(2)
const term = t => ({ termType: t.termType, value: t.value })
const quad = q => [term(q.subject), term(q.predicate), term(q.object), term(q.graph)]

async function run () {
  if (form === 'graph') {
    const client = new StreamClient({ endpointUrl, storeUrl })
    const quads = []
    for await (const q of client.store.get(rdf.namedNode(text))) quads.push(quad(q))
    return quads
  }
  const client = new ParsingClient({ endpointUrl })
  if (form === 'select') {
    const rows = await client.query.select(text, { operation })
    return rows.map(row => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, term(v)])))
  }
  if (form === 'ask') return client.query.ask(text, { operation })
  return [...await client.query.construct(text, { operation })].map(quad)
}

run().then(answer => console.log(JSON.stringify(answer)), err => { console.error(err); process.exit(1) })

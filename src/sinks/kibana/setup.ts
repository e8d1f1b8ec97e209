import { EXIT } from '../../errors.js';
import type { Connection } from '../search/connection.js';
import type { SearchEngine } from '../search/engine.js';
import { EngineError } from '../search/errors.js';
import { findingsIndex, memoryIndex, tracesIndex } from '../search/templates.js';
import { KibanaClient, KibanaError, type KibanaConnection } from './kibana.js';
import { savedObjects } from './saved-objects.js';

const say = (message: string) => process.stderr.write(`memtrail: ${message}\n`);

/**
 * Both indices, empty, from their templates: a data view over an index that does not exist yet
 * has no fields, and every chart would say "Field … was not found" until the first finding and
 * the first trace summary arrive.
 */
async function createIndices(engine: SearchEngine, prefix: string): Promise<string> {
  const said: string[] = [];
  for (const index of [findingsIndex(prefix), tracesIndex(prefix), memoryIndex(prefix)]) {
    said.push(`${index} ${(await engine.createIndex(index)) ? 'created (empty)' : 'already there'}`);
  }
  return said.join(', ');
}

/** `memtrail setup`: the index templates and both indices into the engine, then the saved objects into Kibana; the exit code. */
export async function runSetup(connection: Connection, kibana: KibanaConnection | undefined): Promise<number> {
  const { connect } = await import('../search/engine.js');
  const { installTemplates } = await import('../search/search-sink.js');
  try {
    const engine = await connect(connection);
    let indices: string;
    try {
      await installTemplates(engine, connection.prefix);
      indices = await createIndices(engine, connection.prefix);
    } finally {
      await engine.close();
    }
    say(`index templates ${connection.prefix}-findings and ${connection.prefix}-traces installed in ${engine.kind} ${engine.version} at ${connection.url}`);
    say(`indices: ${indices}`);
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    say(error.message);
    return EXIT.runtime;
  }
  if (!kibana) {
    say('no --kibana-url given: the Kibana saved objects were not imported');
    return EXIT.ok;
  }
  try {
    const client = new KibanaClient(kibana);
    const { product, version } = await client.status();
    const major = Number(version.split('.')[0]);
    let objects = savedObjects(connection.prefix);
    if (product === 'kibana' && major < 8) {
      throw new KibanaError(`Kibana ${version} is too old: memtrail's saved objects (Lens charts) need Kibana 8 or later; the compose file runs 8.19.7`);
    }
    if (product === 'opensearch-dashboards') {
      // OpenSearch Dashboards has no Lens: its import takes the data views and the saved search.
      objects = objects.filter((o) => o.type === 'index-pattern' || o.type === 'search');
    }
    const result = await client.importObjects(objects, product);
    for (const e of result.errors) say(`  ${e.type} ${e.id}: ${e.error}`);
    if (result.errors.length > 0) {
      say(`imported ${result.successCount} of ${objects.length} saved objects into ${product} ${version}; ${result.errors.length} failed (above)`);
      return EXIT.runtime;
    }
    say(`imported ${result.successCount} saved objects into ${product} ${version} at ${kibana.url}`);
    if (product === 'kibana') say(`dashboard: ${kibana.url}/app/dashboards#/view/${connection.prefix}-memory-incidents`);
    else say('OpenSearch Dashboards has no Lens: data views and the "Memory incident timeline" search were imported, not the dashboard');
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof KibanaError)) throw error;
    say(error.message);
    return EXIT.runtime;
  }
}

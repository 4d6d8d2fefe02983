import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildASTSchema, isInputObjectType, isObjectType, isEnumType, isScalarType, isInterfaceType, parse, type GraphQLSchema } from 'graphql';
import { spawnSync } from 'node:child_process';
import { composeSupergraph, OUTPUTS } from '../../scripts/compose';

const ROOT = path.resolve(__dirname, '..', '..');

describe('schema', () => {
  const composed = composeSupergraph();

  it('composes without errors and the checked-in supergraph is current (run `npm run compose`)', () => {
    expect(readFileSync(OUTPUTS.supergraph, 'utf8')).toBe(composed.supergraphSdl);
  });

  it('the checked-in public API schema is current and has no federation internals', () => {
    const api = readFileSync(OUTPUTS.api, 'utf8');
    expect(api).toBe(composed.apiSdl);
    expect(api).not.toMatch(/join__|link__|@link|_entities|_service/);
  });

  it('describes every type, field, argument and enum value of the public API', () => {
    const schema: GraphQLSchema = buildASTSchema(parse(composed.apiSdl));
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const f of Object.values(type.getFields())) {
          if (!f.description) missing.push(`${type.name}.${f.name}`);
          for (const a of f.args) if (!a.description) missing.push(`${type.name}.${f.name}(${a.name})`);
        }
      } else if (isInputObjectType(type)) {
        for (const f of Object.values(type.getFields())) if (!f.description) missing.push(`${type.name}.${f.name}`);
      } else if (isEnumType(type)) {
        for (const v of type.getValues()) if (!v.description) missing.push(`${type.name}.${v.name}`);
      } else if (isScalarType(type) && !type.description) {
        missing.push(type.name);
      }
    }
    expect(missing).toEqual([]);
  });

  it('generated resolver types and client documents are current (run `npm run codegen`)', () => {
    // graphql-codegen's check mode exits non-zero when any generated file would change.
    const run = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules', '@graphql-codegen', 'cli', 'cjs', 'bin.js'), '--config', 'codegen.ts', '--check', '--silent'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect({ status: run.status, output: run.status === 0 ? '' : run.stdout + run.stderr }).toEqual({ status: 0, output: '' });
  }, 120_000);
});

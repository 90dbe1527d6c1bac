/**
 * The monkey eye-velocity data of the smooth-pursuit paper (`behavior_data.mat` from jrahn331/pursuitRNN; Park,
 * Kim, Kim & Lee 2023, Science Advances 9(27):eadg4156, non-commercial terms in the data's DATA_NOTICE.md).
 *
 * Layout on disk: `Data`, a 1×28 struct array with `tgdir` (degrees) and `highCont` / `lowCont`, each a struct of
 * the six conditions of PURSUIT_CONDITIONS, each a struct with `hvel` and `vvel` of 300 samples. Some conditions
 * store the traces as 300×1 columns and others as 1×300 rows; both are read as plain vectors here.
 */
import { asArray, asStruct, asStructArray, loadMat, MatFile, MatValue } from '../../io';
import { dataPath } from '../../io';
import { EyeTrace, PURSUIT_CONDITIONS, PURSUIT_CONTRASTS, PursuitCondition, PursuitContrast, PursuitData, PursuitDay } from './trials';

/** Samples per trace in the published file. */
export const PURSUIT_TRACE_LENGTH = 300;

function traceVector(v: MatValue | undefined, what: string): Float64Array {
  const a = asArray(v, what);
  if (!a.isVector) throw new Error(`${what}: expected a vector, found a ${a.shape.join('×')} array`);
  if (a.numel !== PURSUIT_TRACE_LENGTH) {
    throw new Error(`${what}: expected ${PURSUIT_TRACE_LENGTH} samples, found ${a.numel}`);
  }
  const out = Float64Array.from(a.data as ArrayLike<number | bigint>, (x) => Number(x));
  const bad = out.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new Error(`${what}: sample ${bad} is not finite (${out[bad]})`);
  return out;
}

/**
 * Turn the loaded `behavior_data.mat` into typed days. `file` only names the source in error messages, which
 * give the path of the offending field (e.g. `behavior_data.mat: Data(3).lowCont.narrow.hvel`).
 */
export function parsePursuitData(mat: MatFile, file = 'behavior_data.mat'): PursuitData {
  if (!('Data' in mat)) throw new Error(`${file}: no variable 'Data' (found ${Object.keys(mat).join(', ') || 'none'})`);
  const arr = asStructArray(mat.Data, `${file}: Data`);
  if (arr.length === 0) throw new Error(`${file}: Data is empty`);
  const days: PursuitDay[] = [];
  for (let d = 0; d < arr.length; d++) {
    const el = arr.get(d);
    const where = `${file}: Data(${d + 1})`;
    const tg = asArray(el.tgdir, `${where}.tgdir`);
    if (tg.numel !== 1) throw new Error(`${where}.tgdir: expected a scalar, found ${tg.shape.join('×')}`);
    const tgdir = Number(tg.data[0]);
    if (!Number.isFinite(tgdir)) throw new Error(`${where}.tgdir: not finite (${tgdir})`);
    const traces = {} as Record<PursuitContrast, Record<PursuitCondition, EyeTrace>>;
    for (const c of PURSUIT_CONTRASTS) {
      const byCond = asStruct(el[c], `${where}.${c}`);
      const conds = {} as Record<PursuitCondition, EyeTrace>;
      for (const p of PURSUIT_CONDITIONS) {
        const s = asStruct(byCond[p], `${where}.${c}.${p}`);
        conds[p] = { hvel: traceVector(s.hvel, `${where}.${c}.${p}.hvel`), vvel: traceVector(s.vvel, `${where}.${c}.${p}.vvel`) };
      }
      traces[c] = conds;
    }
    days.push({ tgdir, traces });
  }
  return { days };
}

/** Load and parse the registered `pursuit/behavior_data.mat` (checksum-verified), or a file given by path. */
export async function loadPursuitData(file?: string): Promise<PursuitData> {
  const p = file ?? dataPath('pursuit/behavior_data.mat');
  return parsePursuitData(await loadMat(p), p);
}

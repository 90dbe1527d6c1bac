/** Data I/O: MAT files (v5 read/write, v7.3 read), HDF5 trees, and the published-data registry. */
export { loadMat, saveMat, parseMat, matInfo } from './matfile';
export type { MatFormat, MatFileInfo } from './matfile';
export {
  MatArray, MatSparse, MatCell, MatStructArray, isMatStruct, describeMatValue,
  asArray, asStruct, asStructArray, asCell, asString,
} from './mat-values';
export type {
  MatValue, MatStruct, MatFile, MatNumericClass, MatTypedArray, LoadMatOptions, UnsupportedPolicy,
} from './mat-values';
export type { MatInput, SaveMatOptions } from './mat5-writer';
export { MatWriteError } from './mat5-writer';
export { DataFileError } from './errors';
export type { DataErrorKind } from './errors';
export { writeFileAtomic } from './atomic-write';
export { writeH5, readH5, openH5, withH5, H5Array } from './hdf5';
export type { H5Tree, H5Node, H5Attrs, H5AttrValue, H5TypedArray, WriteH5Options } from './hdf5';
export type { H5File, H5Group, H5Dataset } from './h5wasm-module';
export { dataPath, loadDataset, datasetInfo, listDatasets, dataSearchPaths, sha256File, DataRegistry } from './registry';
export type { DatasetInfo, RegistryFile, RegistryOptions, LoadedDataset } from './registry';

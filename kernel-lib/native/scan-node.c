/*
 * Node addon around the fused scan (kernel-lib/wasm/scan.c, compiled here for x86-64 with AVX2 + FMA) and the
 * readout of its rates (readout.c).
 * Built at `npm ci` by scripts/build-native.js when a C compiler and Node's headers are there; otherwise, or
 * on a CPU without AVX2/FMA, kernel-lib/src/models/scan-native.ts reports why and the WebAssembly build runs.
 *
 * It mirrors the WebAssembly module's interface so that the JavaScript side (scan-engine.ts) is shared: one
 * memory that JavaScript lays out (offsets, 64-byte aligned), the same job words and control block, worker
 * threads that wait in the same C loop. The memory is one reservation of 4 GiB address space (the
 * WebAssembly limit, so 32-bit offsets suffice) that the OS backs page by page as it is touched; JavaScript
 * sees its first `bytes` through an external ArrayBuffer, recreated when it grows, at the same address.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../wasm/scan.c"
#include "readout.c"

#define ARENA_BYTES ((size_t)1 << 32)

static uint8_t *arena;

static int check(napi_env env, napi_status s, const char *what) {
  if (s == napi_ok) return 1;
  napi_throw_error(env, NULL, what);
  return 0;
}

/* Read argc unsigned 32-bit arguments (offsets and sizes). */
static int args_u32(napi_env env, napi_callback_info info, size_t argc, uint32_t *out) {
  napi_value argv[8];
  size_t n = 8;
  if (!check(env, napi_get_cb_info(env, info, &n, argv, NULL, NULL), "scan addon: bad call")) return 0;
  if (n < argc) { napi_throw_type_error(env, NULL, "scan addon: too few arguments"); return 0; }
  for (size_t i = 0; i < argc; i++) {
    double d;
    if (!check(env, napi_get_value_double(env, argv[i], &d), "scan addon: arguments must be numbers")) return 0;
    if (!(d >= 0 && d < 4294967296.0)) { napi_throw_range_error(env, NULL, "scan addon: argument outside 0 .. 2^32"); return 0; }
    out[i] = (uint32_t)d;
  }
  return 1;
}

#define AT(off) ((void *)(arena + (off)))

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/* Why this addon cannot run here ("" when it can). */
static const char *unsupported(void) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return "this CPU lacks AVX2/FMA";
  return "";
}

#ifndef SCAN_SOURCE_HASH
#define SCAN_SOURCE_HASH ""
#endif

/* sha256 prefix of the sources this was compiled from (scripts/build-native.js). */
static napi_value js_source_hash(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value s;
  napi_create_string_utf8(env, SCAN_SOURCE_HASH, NAPI_AUTO_LENGTH, &s);
  return s;
}

static napi_value js_unsupported(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value s;
  napi_create_string_utf8(env, unsupported(), NAPI_AUTO_LENGTH, &s);
  return s;
}

/* buffer(bytes): an ArrayBuffer over the first `bytes` of the memory (reserved on first use). */
static napi_value js_buffer(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t n = 1;
  double bytes = -1;
  if (napi_get_cb_info(env, info, &n, argv, NULL, NULL) != napi_ok || n < 1 || napi_get_value_double(env, argv[0], &bytes) != napi_ok ||
      !(bytes >= 0 && bytes <= (double)ARENA_BYTES)) {
    napi_throw_range_error(env, NULL, "scan addon: buffer(bytes) needs 0 ≤ bytes ≤ 4 GiB");
    return NULL;
  }
  if (!arena) {
    void *p = mmap(NULL, ARENA_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) { napi_throw_error(env, NULL, "scan addon: could not reserve 4 GiB of address space"); return NULL; }
    arena = p;
  }
  napi_value ab;
  /* Never freed: views of an older, shorter buffer stay valid, and the memory lives as long as the process. */
  if (!check(env, napi_create_external_arraybuffer(env, arena, (size_t)bytes, NULL, NULL, &ab), "scan addon: external ArrayBuffer refused")) return NULL;
  return ab;
}

/* run(ctl, job): the job words at `job` hold offsets; turn them into addresses and run on the caller's thread. */
static napi_value js_run(napi_env env, napi_callback_info info) {
  uint32_t a[2];
  if (!args_u32(env, info, 2, a)) return NULL;
  const int32_t *w = AT(a[1]);
  Job J;
  int i = 0;
#define JOB_INT(name) J.name = w[i++];
#define JOB_PTR(type, name) J.name = w[i] ? (type *)AT((uint32_t)w[i]) : NULL; i++;
  JOB_LAYOUT(JOB_INT, JOB_PTR)
#undef JOB_INT
#undef JOB_PTR
  run(AT(a[0]), &J);
  return undefined(env);
}

typedef struct { int32_t *ctl; int tid; } WorkerArg;

static void *worker_main(void *p) {
  WorkerArg w = *(WorkerArg *)p;
  free(p);
  worker(w.ctl, w.tid);
  return NULL;
}

/* startWorker(ctl, tid): a detached thread that runs its share of every job until the shutdown word is set. */
static napi_value js_start_worker(napi_env env, napi_callback_info info) {
  uint32_t a[2];
  if (!args_u32(env, info, 2, a)) return NULL;
  WorkerArg *w = malloc(sizeof *w);
  if (!w) { napi_throw_error(env, NULL, "scan addon: out of memory"); return NULL; }
  w->ctl = AT(a[0]);
  w->tid = (int)a[1];
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int e = pthread_create(&t, &attr, worker_main, w);
  pthread_attr_destroy(&attr);
  if (e) {
    free(w);
    char msg[96];
    snprintf(msg, sizeof msg, "scan addon: pthread_create failed (%s)", strerror(e));
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  return undefined(env);
}

/* notify(offset): wake the threads sleeping on the control word at `offset` (JavaScript changed it). */
static napi_value js_notify(napi_env env, napi_callback_info info) {
  uint32_t a[1];
  if (!args_u32(env, info, 1, a)) return NULL;
  wake_all(AT(a[0]));
  return undefined(env);
}

static napi_value js_pack_panels(napi_env env, napi_callback_info info) {
  uint32_t a[5];
  if (!args_u32(env, info, 5, a)) return NULL;
  pack_panels(AT(a[0]), (int)a[1], (int)a[2], AT(a[3]), (int)a[4]);
  return undefined(env);
}

static napi_value js_copy_rows(napi_env env, napi_callback_info info) {
  uint32_t a[5];
  if (!args_u32(env, info, 5, a)) return NULL;
  copy_rows(AT(a[0]), (int)a[1], AT(a[2]), (int)a[3], (int)a[4]);
  return undefined(env);
}

static napi_value js_fill_zero(napi_env env, napi_callback_info info) {
  uint32_t a[2];
  if (!args_u32(env, info, 2, a)) return NULL;
  fill_zero(AT(a[0]), (long)a[1]);
  return undefined(env);
}

static napi_value js_vector_fn(napi_env env, napi_callback_info info) {
  uint32_t a[4];
  if (!args_u32(env, info, 4, a)) return NULL;
  vector_fn((int)a[0], AT(a[1]), AT(a[2]), (int)a[3]);
  return undefined(env);
}

/* A typed array argument's data and element count; type checked. */
static void *typed_arg(napi_env env, napi_value v, napi_typedarray_type want, size_t *len, const char *name) {
  napi_typedarray_type type;
  void *data;
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, len, &data, NULL, NULL) != napi_ok || type != want) {
    char msg[96];
    snprintf(msg, sizeof msg, "scan addon: %s must be a %s", name, want == napi_float32_array ? "Float32Array" : "Float64Array");
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  return data;
}

static int size_arg(napi_env env, napi_value v, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok || !(*out >= 0 && *out < 9007199254740992.0)) {
    napi_throw_range_error(env, NULL, "scan addon: sizes must be non-negative numbers");
    return 0;
  }
  return 1;
}

/* readoutForward(r, M, N, w, nOut, o): o = r wᵀ. */
static napi_value js_readout_forward(napi_env env, napi_callback_info info) {
  napi_value a[6];
  size_t n = 6, lr, lw, lo;
  double M, N, nOut;
  if (napi_get_cb_info(env, info, &n, a, NULL, NULL) != napi_ok || n < 6) { napi_throw_type_error(env, NULL, "scan addon: readoutForward needs 6 arguments"); return NULL; }
  if (!size_arg(env, a[1], &M) || !size_arg(env, a[2], &N) || !size_arg(env, a[4], &nOut)) return NULL;
  const f32 *r = typed_arg(env, a[0], napi_float32_array, &lr, "r");
  const f32 *w = r ? typed_arg(env, a[3], napi_float32_array, &lw, "w") : NULL;
  f32 *o = w ? typed_arg(env, a[5], napi_float32_array, &lo, "o") : NULL;
  if (!o) return NULL;
  if (lr < M * N || lw < nOut * N || lo < M * nOut) { napi_throw_range_error(env, NULL, "scan addon: readoutForward arrays shorter than their sizes"); return NULL; }
  readout_forward(r, (long)M, (int)N, w, (int)nOut, o);
  return undefined(env);
}

/* readoutBackward(r, M, N, w, nOut, dy, dW, dr): dW (Float64Array) += dyᵀ r; dr = dy w (dr may be null). */
static napi_value js_readout_backward(napi_env env, napi_callback_info info) {
  napi_value a[8];
  size_t n = 8, lr, lw, ly, ld, lq = 0;
  double M, N, nOut;
  if (napi_get_cb_info(env, info, &n, a, NULL, NULL) != napi_ok || n < 8) { napi_throw_type_error(env, NULL, "scan addon: readoutBackward needs 8 arguments"); return NULL; }
  if (!size_arg(env, a[1], &M) || !size_arg(env, a[2], &N) || !size_arg(env, a[4], &nOut)) return NULL;
  const f32 *r = typed_arg(env, a[0], napi_float32_array, &lr, "r");
  const f32 *w = r ? typed_arg(env, a[3], napi_float32_array, &lw, "w") : NULL;
  const f32 *dy = w ? typed_arg(env, a[5], napi_float32_array, &ly, "dy") : NULL;
  double *dW = dy ? typed_arg(env, a[6], napi_float64_array, &ld, "dW") : NULL;
  if (!dW) return NULL;
  napi_valuetype t;
  napi_typeof(env, a[7], &t);
  f32 *dr = NULL;
  if (t != napi_null && t != napi_undefined && !(dr = typed_arg(env, a[7], napi_float32_array, &lq, "dr"))) return NULL;
  if (lr < M * N || lw < nOut * N || ly < M * nOut || ld < nOut * N || (dr && lq < M * N)) {
    napi_throw_range_error(env, NULL, "scan addon: readoutBackward arrays shorter than their sizes");
    return NULL;
  }
  f32 *blk = malloc(sizeof(f32) * (size_t)(nOut * N > 0 ? nOut * N : 1));
  if (!blk) { napi_throw_error(env, NULL, "scan addon: out of memory"); return NULL; }
  readout_backward(r, (long)M, (int)N, w, (int)nOut, dy, dW, dr, blk);
  free(blk);
  return undefined(env);
}

static napi_value init(napi_env env, napi_value exports) {
  /* Every entry point is a plain function property. */
#define METHOD(name, fn) { name, NULL, fn, NULL, NULL, NULL, napi_default, NULL }
  const napi_property_descriptor fns[] = {
    METHOD("unsupported", js_unsupported),
    METHOD("sourceHash", js_source_hash),
    METHOD("buffer", js_buffer),
    METHOD("run", js_run),
    METHOD("startWorker", js_start_worker),
    METHOD("notify", js_notify),
    METHOD("pack_panels", js_pack_panels),
    METHOD("copy_rows", js_copy_rows),
    METHOD("fill_zero", js_fill_zero),
    METHOD("vector_fn", js_vector_fn),
    METHOD("readoutForward", js_readout_forward),
    METHOD("readoutBackward", js_readout_backward),
  };
#undef METHOD
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}

NAPI_MODULE(NODE_GEN_MODULE_NAME, init)

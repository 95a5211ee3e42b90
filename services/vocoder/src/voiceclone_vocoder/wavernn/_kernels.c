/* Small-batch matrix products for WaveRNN's sampling loop.
 *
 * Each sampling step multiplies 1-40 rows (one per fold) by 512 x 6144 float32 weights.
 * torch's MKL runs a generic, non-vectorised sgemm on AMD CPUs and packs the weights
 * again on every call: 10-20 GFLOP/s for these shapes on the development machine. The
 * weights here are packed once, at load time, into strips of 32 columns laid out
 * k-major (`pack` in kernels.py), so a step streams them front to back, and each
 * weight vector loaded is used by up to 8 rows (AVX-512) or 3 rows (AVX2) held in
 * registers. Accumulation is plain float32 FMA in k order: the result differs from
 * MKL's only by rounding.
 *
 *     out[m, n] = bias[m * ldb + n] + sum_k x[m * ldx + k] * W[k, n]
 *
 * ldb = 0 broadcasts one bias row. Both kernels are compiled for their instruction set
 * with target attributes and chosen at import from what the CPU reports, so the
 * module is built without -march flags and runs on any x86-64 (it reports "none"
 * where neither kernel can run, and the caller keeps torch's path).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define STRIP 32 /* columns per packed strip */

typedef void (*linear_fn)(Py_ssize_t, Py_ssize_t, Py_ssize_t, const float *, Py_ssize_t,
                          const float *, const float *, Py_ssize_t, float *, Py_ssize_t);

/* ---- AVX-512: up to 8 rows x 32 columns (16 zmm accumulators) per block ---- */

__attribute__((target("avx512f,fma"), always_inline)) static inline void
block512(int rows, Py_ssize_t K, const float *x, Py_ssize_t ldx, const float *ws,
         const float *bias, Py_ssize_t ldb, float *out, Py_ssize_t ldo, int cols)
{
    __mmask16 m0 = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
    __mmask16 m1 = cols >= 32 ? 0xFFFF : cols <= 16 ? 0 : (__mmask16)((1u << (cols - 16)) - 1);
    __m512 acc[8][2];
    for (int r = 0; r < rows; r++) {
        acc[r][0] = _mm512_maskz_loadu_ps(m0, bias + r * ldb);
        acc[r][1] = _mm512_maskz_loadu_ps(m1, bias + r * ldb + 16);
    }
    for (Py_ssize_t k = 0; k < K; k++) {
        __m512 w0 = _mm512_loadu_ps(ws + k * STRIP);
        __m512 w1 = _mm512_loadu_ps(ws + k * STRIP + 16);
        for (int r = 0; r < rows; r++) { /* unrolled: rows is a constant per caller */
            __m512 xb = _mm512_set1_ps(x[r * ldx + k]);
            acc[r][0] = _mm512_fmadd_ps(xb, w0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(xb, w1, acc[r][1]);
        }
    }
    for (int r = 0; r < rows; r++) {
        _mm512_mask_storeu_ps(out + r * ldo, m0, acc[r][0]);
        _mm512_mask_storeu_ps(out + r * ldo + 16, m1, acc[r][1]);
    }
}

/* One function per row count, so that `rows` is a constant in each copy of the block
 * (accumulators in registers, the row loop unrolled). ISA: 512 or 256. */
#define ROWS(ISA, TARGET, R)                                                              \
    __attribute__((target(TARGET))) static void rows##ISA##_##R(                          \
        Py_ssize_t K, const float *x, Py_ssize_t ldx, const float *ws, const float *bias,  \
        Py_ssize_t ldb, float *out, Py_ssize_t ldo, int cols)                              \
    {                                                                                     \
        block##ISA(R, K, x, ldx, ws, bias, ldb, out, ldo, cols);                           \
    }
#define ROWS512(R) ROWS(512, "avx512f,fma", R)
ROWS512(1) ROWS512(2) ROWS512(3) ROWS512(4) ROWS512(5) ROWS512(6) ROWS512(7) ROWS512(8)

typedef void (*rows_fn)(Py_ssize_t, const float *, Py_ssize_t, const float *, const float *,
                        Py_ssize_t, float *, Py_ssize_t, int);
static const rows_fn ROWS512_FNS[9] = {NULL, rows512_1, rows512_2, rows512_3, rows512_4,
                                       rows512_5, rows512_6, rows512_7, rows512_8};

/* Split M rows into blocks of at most `max_rows`, as even as possible (10 -> 5 + 5, not
 * 8 + 2: a block's cost is one pass over the strip whatever its rows). */
static void
linear_blocked(const rows_fn *fns, int max_rows, Py_ssize_t M, Py_ssize_t K, Py_ssize_t N,
               const float *x, Py_ssize_t ldx, const float *wp, const float *bias,
               Py_ssize_t ldb, float *out, Py_ssize_t ldo)
{
    Py_ssize_t blocks = (M + max_rows - 1) / max_rows;
    for (Py_ssize_t s = 0; s * STRIP < N; s++) {
        const float *ws = wp + s * K * STRIP;
        int cols = N - s * STRIP < STRIP ? (int)(N - s * STRIP) : STRIP;
        Py_ssize_t m = 0;
        for (Py_ssize_t b = 0; b < blocks; b++) {
            Py_ssize_t rows = (M - m) / (blocks - b);
            fns[rows](K, x + m * ldx, ldx, ws, bias + m * ldb + s * STRIP, ldb,
                      out + m * ldo + s * STRIP, ldo, cols);
            m += rows;
        }
    }
}

static void
linear512(Py_ssize_t M, Py_ssize_t K, Py_ssize_t N, const float *x, Py_ssize_t ldx,
          const float *wp, const float *bias, Py_ssize_t ldb, float *out, Py_ssize_t ldo)
{
    linear_blocked(ROWS512_FNS, 8, M, K, N, x, ldx, wp, bias, ldb, out, ldo);
}

/* ---- AVX2: up to 3 rows x 32 columns (12 ymm accumulators) per block ---- */

__attribute__((target("avx2,fma"), always_inline)) static inline __m256i
mask256(int cols)
{
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(cols), lanes);
}

__attribute__((target("avx2,fma"), always_inline)) static inline void
block256(int rows, Py_ssize_t K, const float *x, Py_ssize_t ldx, const float *ws,
         const float *bias, Py_ssize_t ldb, float *out, Py_ssize_t ldo, int cols)
{
    __m256i mask[4];
    for (int j = 0; j < 4; j++)
        mask[j] = mask256(cols - 8 * j);
    __m256 acc[3][4];
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < 4; j++)
            acc[r][j] = _mm256_maskload_ps(bias + r * ldb + 8 * j, mask[j]);
    for (Py_ssize_t k = 0; k < K; k++) {
        const float *w = ws + k * STRIP;
        __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
        __m256 w2 = _mm256_loadu_ps(w + 16), w3 = _mm256_loadu_ps(w + 24);
        for (int r = 0; r < rows; r++) {
            __m256 xb = _mm256_broadcast_ss(x + r * ldx + k);
            acc[r][0] = _mm256_fmadd_ps(xb, w0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(xb, w1, acc[r][1]);
            acc[r][2] = _mm256_fmadd_ps(xb, w2, acc[r][2]);
            acc[r][3] = _mm256_fmadd_ps(xb, w3, acc[r][3]);
        }
    }
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < 4; j++)
            _mm256_maskstore_ps(out + r * ldo + 8 * j, mask[j], acc[r][j]);
}

#define ROWS256(R) ROWS(256, "avx2,fma", R)
ROWS256(1) ROWS256(2) ROWS256(3)

static const rows_fn ROWS256_FNS[4] = {NULL, rows256_1, rows256_2, rows256_3};

static void
linear256(Py_ssize_t M, Py_ssize_t K, Py_ssize_t N, const float *x, Py_ssize_t ldx,
          const float *wp, const float *bias, Py_ssize_t ldb, float *out, Py_ssize_t ldo)
{
    linear_blocked(ROWS256_FNS, 3, M, K, N, x, ldx, wp, bias, ldb, out, ldo);
}

/* ---- Python interface ---- */

static linear_fn LINEAR = NULL;
static const char *ISA = "none";

/* linear(M, K, N, x, ldx, packed_w, bias, ldb, out, ldo): addresses and strides in
 * elements, from torch tensors (data_ptr(), stride(0)); the caller checks shapes. The
 * GIL is released: the sampling workers run their products in parallel. */
static PyObject *
py_linear(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 10) {
        PyErr_SetString(PyExc_TypeError, "linear() takes 10 arguments");
        return NULL;
    }
    Py_ssize_t v[10];
    for (int i = 0; i < 10; i++) {
        v[i] = PyLong_AsSsize_t(args[i]);
        if (v[i] == -1 && PyErr_Occurred())
            return NULL;
    }
    if (LINEAR == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "no kernel for this CPU");
        return NULL;
    }
    if (v[0] <= 0 || v[1] <= 0 || v[2] <= 0)
        Py_RETURN_NONE;
    Py_BEGIN_ALLOW_THREADS
    LINEAR(v[0], v[1], v[2], (const float *)v[3], v[4], (const float *)v[5],
           (const float *)v[6], v[7], (float *)v[8], v[9]);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyObject *
py_isa(PyObject *self, PyObject *unused)
{
    return PyUnicode_FromString(ISA);
}

static PyMethodDef METHODS[] = {
    {"linear", (PyCFunction)(void (*)(void))py_linear, METH_FASTCALL,
     "linear(M, K, N, x, ldx, packed_w, bias, ldb, out, ldo): out = bias + x @ W"},
    {"isa", py_isa, METH_NOARGS, "The kernel this CPU runs: 'avx512', 'avx2' or 'none'."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_kernels", NULL, -1, METHODS};

/* VOCODER_KERNEL_ISA=avx2 or =none caps the choice (tests run every kernel on one
 * machine; an operator can rule a kernel out). */
PyMODINIT_FUNC
PyInit__kernels(void)
{
    const char *cap = getenv("VOCODER_KERNEL_ISA");
    int allow512 = cap == NULL || cap[0] == '\0' || strcmp(cap, "avx512") == 0;
    int allow256 = allow512 || strcmp(cap, "avx2") == 0;
    __builtin_cpu_init();
    int fma = __builtin_cpu_supports("fma");
    if (allow512 && fma && __builtin_cpu_supports("avx512f")) {
        LINEAR = linear512;
        ISA = "avx512";
    } else if (allow256 && fma && __builtin_cpu_supports("avx2")) {
        LINEAR = linear256;
        ISA = "avx2";
    }
    return PyModule_Create(&MODULE);
}

/*
 * trace/source.c - where the bytes of a trace come from.
 *
 * A source shows the reader a window buf[0..len) of its input, read into
 * one fixed 1 MiB buffer, so memory stays flat however long the trace is:
 *   - regular files, standard input and pipes are read with read(2);
 *   - names ending in .gz, .xz and .zst are decompressed into the buffer
 *     (zlib / liblzma / libzstd, when built with MEMSIM_HAVE_*).
 * Regular files are not memory-mapped: the copy from the page cache into a
 * buffer that stays in cache is cheaper than touching every page of a
 * mapping for the first time (measured: 10 M binary accesses replay in
 * 75 ms read, 111 ms mapped; on a virtual machine each first touch of a
 * mapped page costs microseconds).
 * trace__src_fill() drops the bytes before the reader's cursor, slides the
 * rest to the front of the buffer and reads until the buffer is full.  The
 * buffer is 64-byte aligned and the binary reader only ever drops whole
 * words, so runs stay 8-byte aligned in it.
 *
 * Simplifications: compression is chosen by the file name only (standard
 * input is never decompressed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef MEMSIM_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef MEMSIM_HAVE_LZMA
#include <lzma.h>
#endif
#ifdef MEMSIM_HAVE_ZSTD
#include <zstd.h>
#endif

#include "trace/internal.h"

static int src_fail(struct trace__src *s, int rc, const char *fmt, const char *what)
{
	if (s->err && s->errlen) {
		snprintf(s->err, s->errlen, "%s: ", s->name);
		size_t k = strlen(s->err);
		snprintf(s->err + k, s->errlen - k, fmt, what);
	}
	return rc;
}

static int src_syserr(struct trace__src *s, int errnum)
{
	return src_fail(s, SIM_EIO, "%s", strerror(errnum));
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n > k && memcmp(s + n - k, suffix, k) == 0;
}

/* ---- compressed input ------------------------------------------------------- */
#if defined(MEMSIM_HAVE_ZLIB) || defined(MEMSIM_HAVE_LZMA) || defined(MEMSIM_HAVE_ZSTD)

/* Read the next chunk of the compressed file into zin. */
static int zin_read(struct trace__src *s)
{
	ssize_t got;

	do
		got = read(s->fd, s->zin, TRACE__ZIN_BUF);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return src_fail(s, SIM_EIO, "read error: %s", strerror(errno));
	s->zin_len = (size_t)got;
	s->zin_pos = 0;
	s->raw_done += (uint64_t)got;
	if (got == 0)
		s->zin_eof = 1;
	return 0;
}

static int truncated(struct trace__src *s, const char *what)
{
	return src_fail(s, SIM_EINPUT, "truncated %s stream", what);
}
#endif

#ifdef MEMSIM_HAVE_ZLIB
/* Inflate into out[0..n); gzip members may follow each other (as gzip -d). */
static ssize_t gz_read(struct trace__src *s, char *out, size_t n)
{
	z_stream *z = s->z;
	int rc;

	z->next_out = (Bytef *)out;
	z->avail_out = (uInt)n;
	while (z->avail_out > 0) {
		if (z->avail_in == 0) {
			if (s->zin_eof)
				break;
			if ((rc = zin_read(s)) < 0)
				return rc;
			z->next_in = s->zin;
			z->avail_in = (uInt)s->zin_len;
			continue;
		}
		if (s->z_end) {          /* another member follows */
			inflateReset(z);
			s->z_end = 0;
		}
		uInt in_before = z->avail_in, out_before = z->avail_out;
		rc = inflate(z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			s->z_end = 1;
		else if ((rc != Z_OK && rc != Z_BUF_ERROR) ||
			 (z->avail_in == in_before && z->avail_out == out_before))
			return src_fail(s, SIM_EINPUT, "corrupt gzip data (%s)",
					z->msg ? z->msg : "no progress");
	}
	if (z->avail_out > 0 && !s->z_end)
		return truncated(s, "gzip");
	return (ssize_t)(n - z->avail_out);
}
#endif

#ifdef MEMSIM_HAVE_LZMA
static const char *xz_strerror(lzma_ret lr)
{
	switch (lr) {
	case LZMA_MEM_ERROR: return "out of memory";
	case LZMA_FORMAT_ERROR: return "not in .xz format";
	case LZMA_OPTIONS_ERROR: return "unsupported options";
	case LZMA_DATA_ERROR: return "corrupt data";
	case LZMA_BUF_ERROR: return "unexpected end of input";
	default: return "decoder error";
	}
}

/* Decode into out[0..n); concatenated .xz streams are read one after another. */
static ssize_t xz_read(struct trace__src *s, char *out, size_t n)
{
	lzma_stream *x = s->z;
	int rc;

	if (s->z_end)
		return 0;
	x->next_out = (uint8_t *)out;
	x->avail_out = n;
	while (x->avail_out > 0) {
		if (x->avail_in == 0 && !s->zin_eof) {
			if ((rc = zin_read(s)) < 0)
				return rc;
			x->next_in = s->zin;
			x->avail_in = s->zin_len;
		}
		lzma_ret lr = lzma_code(x, s->zin_eof ? LZMA_FINISH : LZMA_RUN);
		if (lr == LZMA_STREAM_END) {
			s->z_end = 1;
			break;
		}
		if (lr == LZMA_BUF_ERROR && s->zin_eof)
			return truncated(s, "xz");
		if (lr != LZMA_OK)
			return src_fail(s, SIM_EINPUT, "xz: %s", xz_strerror(lr));
	}
	return (ssize_t)(n - x->avail_out);
}
#endif

#ifdef MEMSIM_HAVE_ZSTD
/* Decompress into out[0..n); frames may follow each other. */
static ssize_t zst_read(struct trace__src *s, char *out, size_t n)
{
	ZSTD_outBuffer ob = { out, n, 0 };
	int rc;

	while (ob.pos < ob.size) {
		if (s->zin_pos == s->zin_len) {
			if (s->zin_eof)
				break;
			if ((rc = zin_read(s)) < 0)
				return rc;
			continue;
		}
		ZSTD_inBuffer ib = { s->zin, s->zin_len, s->zin_pos };
		size_t before_in = ib.pos, before_out = ob.pos;
		size_t zr = ZSTD_decompressStream(s->z, &ob, &ib);
		s->zin_pos = ib.pos;
		if (ZSTD_isError(zr))
			return src_fail(s, SIM_EINPUT, "corrupt zstd data (%s)",
					ZSTD_getErrorName(zr));
		s->z_end = zr == 0;
		if (ib.pos == before_in && ob.pos == before_out && !s->z_end)
			return src_fail(s, SIM_EINPUT, "corrupt zstd data (%s)",
					"no progress");
	}
	if (ob.pos < ob.size && !s->z_end)
		return truncated(s, "zstd");
	return (ssize_t)ob.pos;
}
#endif

static ssize_t fd_read(struct trace__src *s, char *out, size_t n)
{
	ssize_t got;

	do
		got = read(s->fd, out, n);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return src_fail(s, SIM_EIO, "read error: %s", strerror(errno));
	s->raw_done += (uint64_t)got;
	return got;
}

/* Read up to n bytes of (decompressed) input: > 0, 0 at the end, or SIM_E*. */
static ssize_t src_read(struct trace__src *s, char *out, size_t n)
{
	switch (s->kind) {
#ifdef MEMSIM_HAVE_ZLIB
	case TRACE__SRC_GZ: return gz_read(s, out, n);
#endif
#ifdef MEMSIM_HAVE_LZMA
	case TRACE__SRC_XZ: return xz_read(s, out, n);
#endif
#ifdef MEMSIM_HAVE_ZSTD
	case TRACE__SRC_ZST: return zst_read(s, out, n);
#endif
	case TRACE__SRC_FD: return fd_read(s, out, n);
	default: return 0;
	}
}

/* ---- opening ------------------------------------------------------------------- */

static int open_stream_buffer(struct trace__src *s)
{
	s->mem = aligned_alloc(64, TRACE__STREAM_BUF);
	if (!s->mem)
		return src_fail(s, SIM_ENOMEM, "%s", "out of memory");
	s->buf = s->mem;
	return 0;
}

static int open_decoder(struct trace__src *s)
{
	s->zin = malloc(TRACE__ZIN_BUF);
	if (!s->zin)
		return src_fail(s, SIM_ENOMEM, "%s", "out of memory");
	switch (s->kind) {
#ifdef MEMSIM_HAVE_ZLIB
	case TRACE__SRC_GZ: {
		z_stream *z = calloc(1, sizeof *z);
		if (!z || inflateInit2(z, 15 + 32) != Z_OK) {
			free(z);
			return src_fail(s, SIM_ENOMEM, "%s", "cannot start zlib");
		}
		s->z = z;
		return 0;
	}
#endif
#ifdef MEMSIM_HAVE_LZMA
	case TRACE__SRC_XZ: {
		lzma_stream *x = malloc(sizeof *x);
		if (x)
			*x = (lzma_stream)LZMA_STREAM_INIT;
		if (!x || lzma_stream_decoder(x, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
			free(x);
			return src_fail(s, SIM_ENOMEM, "%s", "cannot start liblzma");
		}
		s->z = x;
		return 0;
	}
#endif
#ifdef MEMSIM_HAVE_ZSTD
	case TRACE__SRC_ZST:
		s->z = ZSTD_createDStream();
		if (!s->z || ZSTD_isError(ZSTD_initDStream(s->z)))
			return src_fail(s, SIM_ENOMEM, "%s", "cannot start libzstd");
		return 0;
#endif
	default:
		return src_fail(s, SIM_EINPUT, "%s", "unsupported compression");
	}
}

/* Which decompressor a name asks for; -1 when the support is not built in. */
static int compression_of(const char *path, enum trace__src_kind *kind)
{
	static const struct { const char *suffix; enum trace__src_kind kind; int have; } tab[] = {
		{ ".gz", TRACE__SRC_GZ,
#ifdef MEMSIM_HAVE_ZLIB
		  1
#else
		  0
#endif
		},
		{ ".xz", TRACE__SRC_XZ,
#ifdef MEMSIM_HAVE_LZMA
		  1
#else
		  0
#endif
		},
		{ ".zst", TRACE__SRC_ZST,
#ifdef MEMSIM_HAVE_ZSTD
		  1
#else
		  0
#endif
		},
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		if (ends_with(path, tab[i].suffix)) {
			*kind = tab[i].kind;
			return tab[i].have ? 1 : -1;
		}
	}
	return 0;
}

/*
 * Open `path` ("-" = standard input) as a byte source.  `name` is used in
 * messages, which go to err[0..errlen) ("NAME: No such file or directory").
 * Returns 0, or SIM_EIO (cannot open/read), SIM_EINPUT (compression not
 * supported) or SIM_ENOMEM; on failure the source still has to be closed.
 */
int trace__src_open(struct trace__src *s, const char *path, const char *name,
		    char *err, size_t errlen)
{
	struct stat st;
	int rc;

	memset(s, 0, sizeof *s);
	s->fd = -1;
	s->name = name;
	s->err = err;
	s->errlen = errlen;
	s->buf = "";
	if (strcmp(path, "-") == 0) {
		s->fd = 0;
		s->kind = TRACE__SRC_FD;
		return open_stream_buffer(s);
	}
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return src_syserr(s, errno);
	s->own_fd = 1;
	if (fstat(s->fd, &st) != 0)
		return src_syserr(s, errno);
	if (S_ISDIR(st.st_mode))
		return src_syserr(s, EISDIR);
	if (S_ISREG(st.st_mode))
		s->raw_total = (uint64_t)st.st_size;

	enum trace__src_kind kind = TRACE__SRC_FD;
	rc = compression_of(path, &kind);
	if (rc < 0)
		return src_fail(s, SIM_EINPUT, "%s",
				"compressed traces of this kind are not supported by this build");
	if (rc > 0) {
		s->kind = kind;
		if ((rc = open_stream_buffer(s)) < 0)
			return rc;
		return open_decoder(s);
	}
	s->kind = TRACE__SRC_FD;
	return open_stream_buffer(s);
}

/*
 * Make more input visible after the reader's cursor *pos: the bytes before
 * it are dropped, the rest moves to the front of the window and the window
 * is filled until it is full or the input ends (then s->eof is set).  *pos
 * becomes 0.  A mapped file already shows everything: nothing happens.
 * Returns 0 or a negative SIM_E* with the message in the source's buffer.
 */
int trace__src_fill(struct trace__src *s, size_t *pos)
{
	if (s->eof)
		return 0;
	size_t keep = s->len - *pos;
	memmove(s->mem, s->mem + *pos, keep);
	s->off += *pos;
	s->len = keep;
	*pos = 0;
	while (s->len < TRACE__STREAM_BUF && !s->eof) {
		ssize_t got = src_read(s, s->mem + s->len, TRACE__STREAM_BUF - s->len);
		if (got < 0)
			return (int)got;
		if (got == 0)
			s->eof = 1;
		s->len += (size_t)got;
	}
	return 0;
}

/* Release everything the source holds; safe on a half-opened source. */
void trace__src_close(struct trace__src *s)
{
	switch (s->kind) {
#ifdef MEMSIM_HAVE_ZLIB
	case TRACE__SRC_GZ:
		if (s->z)
			inflateEnd(s->z);
		break;
#endif
#ifdef MEMSIM_HAVE_LZMA
	case TRACE__SRC_XZ:
		if (s->z)
			lzma_end(s->z);
		break;
#endif
#ifdef MEMSIM_HAVE_ZSTD
	case TRACE__SRC_ZST:
		ZSTD_freeDStream(s->z);
		s->z = NULL;
		break;
#endif
	default:
		break;
	}
	free(s->z);
	free(s->zin);
	free(s->mem);
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof *s);
	s->fd = -1;
}

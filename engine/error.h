/*
 * error.h — how every pnsim library function reports failure.
 *
 * Library code (engine/, parsers/) never prints, exits or aborts on user
 * input.  A function that can fail takes a `pnsim_error *` as its last
 * argument, fills it in, and returns a failure value (NULL, -1 or a
 * pnsim_status other than PNSIM_OK).  The command-line tool turns the error
 * into a message and an exit code.  The error carries its own storage, so it
 * lives on the caller's stack and needs no freeing.
 *
 * Errors about an input file carry its name, line and column, and print as
 * the compiler-style "file:line:column: message".
 */
#ifndef PNSIM_ERROR_H
#define PNSIM_ERROR_H

#include <stddef.h>

typedef enum pnsim_status {
    PNSIM_OK = 0,
    PNSIM_ERR_INPUT,        /* the input is malformed or inconsistent */
    PNSIM_ERR_UNSUPPORTED,  /* well-formed, but pnsim cannot handle it (yet) */
    PNSIM_ERR_USAGE,        /* a bad option or argument value */
    PNSIM_ERR_IO,           /* a file could not be read or written */
    PNSIM_ERR_NOMEM,        /* memory allocation failed */
    PNSIM_ERR_OVERFLOW,     /* a token count or counter would exceed its range */
    PNSIM_ERR_INTERNAL      /* a bug in pnsim: please report it */
} pnsim_status;

typedef struct pnsim_error {
    pnsim_status status;
    char file[512];         /* empty when the error is not about a file */
    unsigned long line;     /* 1-based; 0 when unknown */
    unsigned long column;   /* 1-based; 0 when unknown */
    char message[1024];
} pnsim_error;

/* Resets `error` to "no error".  `error` may be NULL. */
void pnsim_error_clear(pnsim_error *error);

/* Records an error that is not tied to a position in a file.  Returns
 * `status` so that callers can write `return pnsim_error_set(...)`.
 * `error` may be NULL, in which case nothing is recorded. */
pnsim_status pnsim_error_set(pnsim_error *error, pnsim_status status,
                             const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Records an error at file:line:column (line or column 0 = unknown). */
pnsim_status pnsim_error_set_at(pnsim_error *error, pnsim_status status,
                                const char *file, unsigned long line,
                                unsigned long column, const char *format, ...)
    __attribute__((format(printf, 6, 7)));

/* For the static analyser (clang-tidy, scan-build), which looks at one
 * file at a time: both functions return their `status` argument, so that
 * `return pnsim_error_set(error, PNSIM_ERR_NOMEM, ...)` is known to fail.
 * (A function-like macro does not expand inside its own expansion: the
 * calls below are to the functions.) */
#ifdef __clang_analyzer__
#define pnsim_error_set(error, status, ...) \
    (pnsim_error_set((error), (status), __VA_ARGS__), (status))
#define pnsim_error_set_at(error, status, file, line, column, ...) \
    (pnsim_error_set_at((error), (status), (file), (line), (column), \
                        __VA_ARGS__), (status))
#endif

/* Writes "file:line:column: message" (leaving out what is unknown) into
 * `buffer` of `size` bytes, always NUL-terminated.  Returns `buffer`. */
char *pnsim_error_format(const pnsim_error *error, char *buffer, size_t size);

/* A short name for a status ("input error", "out of memory", ...). */
const char *pnsim_status_name(pnsim_status status);

#endif

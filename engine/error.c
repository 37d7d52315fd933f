/* error.c — see error.h. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The analyser's macros of error.h would rewrite the definitions below. */
#undef pnsim_error_set
#undef pnsim_error_set_at

void pnsim_error_clear(pnsim_error *error)
{
    if (error == NULL)
        return;
    error->status = PNSIM_OK;
    error->file[0] = '\0';
    error->line = 0;
    error->column = 0;
    error->message[0] = '\0';
}

static void error_record(pnsim_error *error, pnsim_status status,
                         const char *file, unsigned long line,
                         unsigned long column, const char *format,
                         va_list arguments)
    __attribute__((format(printf, 6, 0)));

static void error_record(pnsim_error *error, pnsim_status status,
                         const char *file, unsigned long line,
                         unsigned long column, const char *format,
                         va_list arguments)
{
    error->status = status;
    snprintf(error->file, sizeof error->file, "%s", file != NULL ? file : "");
    error->line = line;
    error->column = column;
    vsnprintf(error->message, sizeof error->message, format, arguments);
}

pnsim_status pnsim_error_set(pnsim_error *error, pnsim_status status,
                             const char *format, ...)
{
    if (error == NULL)
        return status;
    va_list arguments;
    va_start(arguments, format);
    error_record(error, status, NULL, 0, 0, format, arguments);
    va_end(arguments);
    return status;
}

pnsim_status pnsim_error_set_at(pnsim_error *error, pnsim_status status,
                                const char *file, unsigned long line,
                                unsigned long column, const char *format, ...)
{
    if (error == NULL)
        return status;
    va_list arguments;
    va_start(arguments, format);
    error_record(error, status, file, line, column, format, arguments);
    va_end(arguments);
    return status;
}

char *pnsim_error_format(const pnsim_error *error, char *buffer, size_t size)
{
    if (size == 0)
        return buffer;
    if (error->file[0] == '\0')
        snprintf(buffer, size, "%s", error->message);
    else if (error->line == 0)
        snprintf(buffer, size, "%s: %s", error->file, error->message);
    else if (error->column == 0)
        snprintf(buffer, size, "%s:%lu: %s", error->file, error->line,
                 error->message);
    else
        snprintf(buffer, size, "%s:%lu:%lu: %s", error->file, error->line,
                 error->column, error->message);
    return buffer;
}

const char *pnsim_status_name(pnsim_status status)
{
    switch (status) {
    case PNSIM_OK: return "ok";
    case PNSIM_ERR_INPUT: return "input error";
    case PNSIM_ERR_UNSUPPORTED: return "unsupported";
    case PNSIM_ERR_USAGE: return "usage error";
    case PNSIM_ERR_IO: return "I/O error";
    case PNSIM_ERR_NOMEM: return "out of memory";
    case PNSIM_ERR_OVERFLOW: return "overflow";
    case PNSIM_ERR_INTERNAL: return "internal error";
    }
    return "unknown error";
}

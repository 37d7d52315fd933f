/*
 * replay_main.c — runs a fuzz harness over files without libFuzzer.
 *
 *     fuzz_files_pnml DIR_OR_FILE...
 *
 * Every regular file named, and every regular file directly inside a
 * directory named, is read and passed to LLVMFuzzerTestOneInput once, in
 * name order.  A crash or sanitizer report ends the program; otherwise it
 * prints how many inputs ran and exits 0 (1 if a file cannot be read or no
 * input was found).  It reports on stderr.
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int replay_file(const char *path, size_t *count)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        perror(path);
        return -1;
    }
    size_t capacity = 4096, size = 0;
    uint8_t *data = malloc(capacity);
    if (data == NULL) {
        fclose(file);
        return -1;
    }
    for (;;) {
        if (size == capacity) {
            uint8_t *grown = realloc(data, capacity * 2);
            if (grown == NULL) {
                free(data);
                fclose(file);
                return -1;
            }
            data = grown;
            capacity *= 2;
        }
        size_t got = fread(data + size, 1, capacity - size, file);
        size += got;
        if (got == 0)
            break;
    }
    fclose(file);
    /* A copy of exactly `size` bytes, so that ASan catches a read past the
     * end as libFuzzer would. */
    uint8_t *exact = malloc(size ? size : 1);
    if (exact == NULL) {
        free(data);
        return -1;
    }
    memcpy(exact, data, size);
    free(data);
    fprintf(stderr, "replay %s (%zu bytes)\n", path, size);
    LLVMFuzzerTestOneInput(exact, size);
    free(exact);
    ++*count;
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_directory(const char *path, size_t *count)
{
    DIR *directory = opendir(path);
    if (directory == NULL) {
        perror(path);
        return -1;
    }
    char **names = NULL;
    size_t name_count = 0, capacity = 0;
    int status = 0;
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        if (name_count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            char **grown = realloc(names, capacity * sizeof *names);
            if (grown == NULL) {
                status = -1;
                break;
            }
            names = grown;
        }
        size_t length = strlen(path) + strlen(entry->d_name) + 2;
        names[name_count] = malloc(length);
        if (names[name_count] == NULL) {
            status = -1;
            break;
        }
        snprintf(names[name_count], length, "%s/%s", path, entry->d_name);
        name_count++;
    }
    closedir(directory);
    if (name_count > 0)
        qsort(names, name_count, sizeof *names, compare_names);
    for (size_t i = 0; i < name_count; i++) {
        struct stat info;
        if (status == 0 && stat(names[i], &info) == 0 &&
            S_ISREG(info.st_mode) && replay_file(names[i], count) != 0)
            status = -1;
        free(names[i]);
    }
    free(names);
    return status;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int status = 0;
    for (int i = 1; i < argc; i++) {
        struct stat info;
        if (stat(argv[i], &info) != 0) {
            /* A harness may have no regression inputs yet. */
            continue;
        }
        if (S_ISDIR(info.st_mode) ? replay_directory(argv[i], &count) != 0
                                  : replay_file(argv[i], &count) != 0)
            status = 1;
    }
    /* stderr: a harness may send stdout to /dev/null. */
    fprintf(stderr, "%zu inputs replayed without a failure\n", count);
    if (count == 0)
        status = 1;
    return status;
}

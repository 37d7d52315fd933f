/*
 * pnml_reader.c — reads place/transition nets in PNML (ISO/IEC 15909-2), as
 * the Model Checking Contest and most Petri net tools write them.
 *
 * Streaming.  The document is read with libxml2's xmlTextReader, one node at
 * a time, never as a whole tree: memory stays proportional to the net, not
 * to the file, and a 50 MB net parses in seconds.  A stack of open elements
 * records what each one means (a place, a place's name, the text of an arc's
 * inscription, something to ignore...).  Text is collected while a <text>,
 * <rate> or <component> element is open and interpreted when it closes.
 *
 * Arcs.  An arc may name nodes that appear later in the file, so arcs are
 * kept as read — ids of source and target plus the position of the <arc>
 * tag — and resolved once the whole document is in, through a hash map from
 * id to node.  Parallel normal arcs (same place, transition and direction)
 * are then merged into one whose weight is their sum, so net->arc_count
 * counts arcs after merging.  <referencePlace> and <referenceTransition>
 * nodes (modular PNML) stand for the node they refer to.
 *
 * Positions.  libxml2's parser runs ahead of the node its reader hands out:
 * it parses the input in chunks, so xmlTextReaderGetParserLineNumber() and
 * xmlTextReaderGetParserColumnNumber() point somewhere past the element at
 * hand, and an element's own line number stops at 65535.  The bytes
 * therefore pass through a small scanner on their way to libxml2
 * (pnml_scan) that notes the line and column of every start tag.  The reader
 * hands out elements in document order, so each element takes the next
 * position from that queue; errors name the exact start tag, even in files
 * with thousands of arcs on one line.
 *
 * Safety.  Entities are never substituted (no XML_PARSE_NOENT), no DTD is
 * loaded and the network is never used (XML_PARSE_NONET).  The scanner
 * refuses an entity declaration before libxml2 sees it, so a "billion
 * laughs" document costs nothing and an external entity (XXE) is never
 * opened; a DTD with entities and any entity reference node the reader
 * hands out are refused too, as a second line of defence.  libxml2's own
 * messages go into the pnsim_error with their position, never to stderr.
 */
#include "pn_net.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

/* libxml2 2.12 made the structured error handler take a const error. */
#if LIBXML_VERSION >= 21200
typedef const xmlError pnml_xml_error;
#else
typedef xmlError pnml_xml_error;
#endif

/* Line and column (1-based, in characters) of a place in the input. */
typedef struct pnml_position {
    unsigned long line, column;
} pnml_position;

static const pnml_position pnml_nowhere = {0, 0};

/* ------------------------------------------------------------------------
 * The id map: open addressing with linear probing, at most half full so
 * probe sequences stay short.  Keys are borrowed: they point to the id
 * strings of the nodes themselves, which outlive the map.
 * ------------------------------------------------------------------------ */

typedef enum pnml_node_kind {
    PNML_NODE_PLACE,
    PNML_NODE_TRANSITION,
    PNML_NODE_ARC,
    PNML_NODE_REFERENCE,       /* <referencePlace> or <referenceTransition> */
    PNML_NODE_PAGE             /* ids share one namespace (XML ID) */
} pnml_node_kind;

typedef struct pnml_entry {
    const char *id;            /* NULL: an empty slot */
    pnml_node_kind kind;
    uint32_t index;            /* into places, transitions, arcs, references */
    pnml_position at;          /* where the node was defined */
} pnml_entry;

typedef struct pnml_map {
    pnml_entry *entries;
    size_t capacity;           /* 0 or a power of two */
    size_t count;
} pnml_map;

/* FNV-1a: simple, and good enough for ids like "p123" and "t45_6". */
static uint64_t pnml_hash(const char *key)
{
    uint64_t hash = 14695981039346656037u;
    for (const unsigned char *c = (const unsigned char *)key; *c != '\0'; c++)
        hash = (hash ^ *c) * 1099511628211u;
    return hash;
}

/* The slot holding `id`, or the empty slot where it would go.  The map must
 * have at least one empty slot. */
static pnml_entry *pnml_map_slot(const pnml_map *map, const char *id)
{
    size_t mask = map->capacity - 1;
    size_t i = (size_t)pnml_hash(id) & mask;
    while (map->entries[i].id != NULL && strcmp(map->entries[i].id, id) != 0)
        i = (i + 1) & mask;
    return &map->entries[i];
}

static const pnml_entry *pnml_map_find(const pnml_map *map, const char *id)
{
    if (map->count == 0)
        return NULL;
    const pnml_entry *entry = pnml_map_slot(map, id);
    return entry->id != NULL ? entry : NULL;
}

static bool pnml_map_grow(pnml_map *map)
{
    size_t capacity = map->capacity == 0 ? 64 : map->capacity * 2;
    pnml_entry *old = map->entries;
    size_t old_capacity = map->capacity;
    if (capacity > SIZE_MAX / sizeof *old)
        return false;
    map->entries = calloc(capacity, sizeof *map->entries);
    if (map->entries == NULL) {
        map->entries = old;
        return false;
    }
    map->capacity = capacity;
    for (size_t i = 0; i < old_capacity; i++)
        if (old[i].id != NULL)
            *pnml_map_slot(map, old[i].id) = old[i];
    free(old);
    return true;
}

/* Adds `entry` (whose id is not in the map yet).  False when out of memory. */
static bool pnml_map_add(pnml_map *map, pnml_entry entry)
{
    if ((map->count + 1) * 2 > map->capacity && !pnml_map_grow(map))
        return false;
    *pnml_map_slot(map, entry.id) = entry;
    map->count++;
    return true;
}

/* ------------------------------------------------------------------------
 * The reader's state.
 * ------------------------------------------------------------------------ */

/* What an open element means. */
typedef enum pnml_role {
    PNML_IGNORED,              /* unknown, or inside something ignored */
    PNML_ROOT,                 /* <pnml> */
    PNML_NET,
    PNML_PAGE,
    PNML_PLACE,
    PNML_TRANSITION,
    PNML_ARC,
    PNML_REFERENCE,            /* <referencePlace>, <referenceTransition> */
    PNML_NAME,                 /* of the net, a place or a transition */
    PNML_INITIAL_MARKING,
    PNML_INSCRIPTION,
    PNML_TEXT,                 /* <text> of a name, marking or inscription */
    PNML_GRAPHICS,             /* of a place or a transition */
    PNML_POSITION,
    PNML_ARC_TYPE,             /* <type value="inhibitor"/> in an arc */
    PNML_TOOL_PNSIM,           /* <toolspecific tool="pnsim"> */
    PNML_FINAL,
    PNML_SHARED,
    PNML_RATE,
    PNML_COMPONENT,
    PNML_TOOL_NUPN,            /* <toolspecific tool="nupn"> */
    PNML_NUPN_STRUCTURE
} pnml_role;

typedef struct pnml_open_element {
    pnml_role role;
    pnml_position at;          /* its start tag */
} pnml_open_element;

/* An arc as read, before its endpoints are resolved. */
typedef struct pnml_pending_arc {
    char *id, *source, *target;
    pnml_position at;
    pn_arc_kind kind;
    uint64_t weight;
} pnml_pending_arc;

/* A <referencePlace> or <referenceTransition>. */
typedef struct pnml_reference {
    char *id, *ref;
    pnml_position at;
    bool is_place;
    bool resolved;             /* set when `node` below is known */
    uint32_t node;             /* the place or transition it stands for */
} pnml_reference;

/* Where the scanner is in the XML syntax (see pnml_scan). */
typedef enum pnml_scan_state {
    PNML_SCAN_CONTENT,         /* character data, or inside a tag */
    PNML_SCAN_OPEN,            /* just after '<' */
    PNML_SCAN_BANG,            /* after "<!": comment, CDATA or DOCTYPE? */
    PNML_SCAN_COMMENT,
    PNML_SCAN_CDATA,
    PNML_SCAN_PI,              /* <? ... ?> */
    PNML_SCAN_DOCTYPE
} pnml_scan_state;

typedef struct pnml_reader {
    /* Input: a stream or a block of memory. */
    FILE *stream;
    const char *memory;
    size_t memory_size, memory_offset;
    const char *file;          /* name used in messages */

    pnsim_error *error;
    bool failed;               /* an error has been recorded: stop */

    xmlTextReaderPtr xml;

    /* The scanner that finds start tags and entity declarations. */
    pnml_scan_state scan_state;
    uint64_t scan_tail;        /* the last 8 bytes, the newest lowest */
    char scan_bang[8];         /* the bytes after "<!" */
    size_t scan_bang_length;
    char scan_quote;           /* inside a DOCTYPE: the open quote, or 0 */
    bool scan_subset;          /* inside a DOCTYPE's [internal subset] */
    bool scan_comment;         /* inside a comment in a DOCTYPE */
    unsigned long scan_line, scan_column;
    pnml_position scan_open;   /* the last '<' */
    bool scan_saw_content;     /* anything but white space so far */

    /* Positions of start tags scanned but not yet handed out: a ring. */
    pnml_position *queue;
    size_t queue_capacity, queue_head, queue_count;

    /* Open elements. */
    pnml_open_element *open;
    size_t depth, open_capacity;

    /* Text of the open <text> or <rate>. */
    char *text;
    size_t text_length, text_capacity;

    pn_net *net;
    size_t place_capacity, transition_capacity;
    bool seen_root, seen_net;
    pnml_position root_at;

    pnml_pending_arc *arcs;
    size_t arc_count, arc_capacity;
    pnml_reference *references;
    size_t reference_count, reference_capacity;
    char **page_ids;           /* the ids of <page> elements, for the map */
    size_t page_id_count, page_id_capacity;
    pnml_map ids;
} pnml_reader;

/* ------------------------------------------------------------------------
 * Errors.  The first error wins: later ones are usually its consequences.
 * ------------------------------------------------------------------------ */

__attribute__((format(printf, 4, 5)))
static bool pnml_fail(pnml_reader *reader, pnsim_status status,
                      pnml_position at, const char *format, ...)
{
    if (!reader->failed) {
        char message[sizeof reader->error->message];
        va_list arguments;
        va_start(arguments, format);
        vsnprintf(message, sizeof message, format, arguments);
        va_end(arguments);
        pnsim_error_set_at(reader->error, status, reader->file, at.line,
                           at.column, "%s", message);
        reader->failed = true;
    }
    return false;
}

static bool pnml_no_memory(pnml_reader *reader)
{
    return pnml_fail(reader, PNSIM_ERR_NOMEM, pnml_nowhere, "out of memory");
}

/* libxml2's errors (malformed XML, mostly), with libxml2's own position. */
static void pnml_xml_error_handler(void *context, pnml_xml_error *error)
{
    pnml_reader *reader = context;
    if (error == NULL || error->level < XML_ERR_ERROR || reader->failed)
        return;
    char message[512];
    snprintf(message, sizeof message, "%s",
             error->message != NULL ? error->message : "unknown error");
    size_t length = strlen(message);
    while (length > 0 && (message[length - 1] == '\n' ||
                          message[length - 1] == ' '))
        message[--length] = '\0';
    pnml_position at = {error->line > 0 ? (unsigned long)error->line : 0,
                        error->int2 > 0 ? (unsigned long)error->int2 : 0};
    if (error->code == XML_ERR_NO_MEMORY)
        pnml_no_memory(reader);
    else if (error->code == XML_ERR_DOCUMENT_EMPTY)
        /* libxml2's words for text that holds no element at all (an empty
         * file is reported separately, in plainer words). */
        pnml_fail(reader, PNSIM_ERR_INPUT, at, "not an XML document: no "
                  "element found (a PNML file starts with '<?xml' or "
                  "'<pnml')");
    else
        pnml_fail(reader, PNSIM_ERR_INPUT, at, "malformed XML: %s", message);
}

/* libxml2's unstructured messages carry no position and follow a
 * structured error when there is one: drop them rather than print them. */
static void pnml_xml_generic_handler(void *context, const char *format, ...)
{
    (void)context;
    (void)format;
}

/* ------------------------------------------------------------------------
 * Growing arrays.
 * ------------------------------------------------------------------------ */

/* Returns `array` enlarged to hold more than *capacity elements of `size`
 * bytes (updating *capacity), or NULL, leaving `array` alone, when out of
 * memory. */
static void *pnml_grow(void *array, size_t *capacity, size_t size)
{
    size_t wanted = *capacity == 0 ? 16 : *capacity * 2;
    if (wanted > SIZE_MAX / size)
        return NULL;
    void *grown = realloc(array, wanted * size);
    if (grown != NULL)
        *capacity = wanted;
    return grown;
}

/* ------------------------------------------------------------------------
 * The scanner.  Every byte libxml2 reads comes through pnml_io_read, which
 * runs this small state machine over it first.  It only needs to tell start
 * tags from the rest: in XML a '<' in content or in a tag always starts
 * markup ('<' may not appear in an attribute value), so a start tag is a '<'
 * followed by anything but '/', '!' or '?', outside comments, CDATA
 * sections, processing instructions and the DOCTYPE.
 * ------------------------------------------------------------------------ */

/* The last n bytes seen, as scan_tail holds them. */
#define PNML_TAIL2(a, b) ((uint64_t)(a) << 8 | (uint64_t)(b))
#define PNML_TAIL3(a, b, c) (PNML_TAIL2(a, b) << 8 | (uint64_t)(c))
#define PNML_TAIL4(a, b, c, d) (PNML_TAIL3(a, b, c) << 8 | (uint64_t)(d))
#define PNML_TAIL8(a, b, c, d, e, f, g, h) \
    (PNML_TAIL4(a, b, c, d) << 32 | PNML_TAIL4(e, f, g, h))

static bool pnml_queue_push(pnml_reader *reader, pnml_position at)
{
    if (reader->queue_count == reader->queue_capacity) {
        size_t capacity = reader->queue_capacity == 0
                              ? 64 : reader->queue_capacity * 2;
        pnml_position *queue = malloc(capacity * sizeof *queue);
        if (queue == NULL)
            return pnml_no_memory(reader);
        for (size_t i = 0; i < reader->queue_count; i++)
            queue[i] = reader->queue[(reader->queue_head + i) %
                                     reader->queue_capacity];
        free(reader->queue);
        reader->queue = queue;
        reader->queue_capacity = capacity;
        reader->queue_head = 0;
    }
    size_t tail = (reader->queue_head + reader->queue_count) %
                  reader->queue_capacity;
    reader->queue[tail] = at;
    reader->queue_count++;
    return true;
}

static bool pnml_queue_pop(pnml_reader *reader, pnml_position *at)
{
    if (reader->queue_count == 0)
        return false;
    *at = reader->queue[reader->queue_head];
    reader->queue_head = (reader->queue_head + 1) % reader->queue_capacity;
    reader->queue_count--;
    return true;
}

/* After "<!": which construct is this?  Returns the next state, or
 * PNML_SCAN_BANG while the bytes so far could still start several. */
static pnml_scan_state pnml_scan_bang(const pnml_reader *reader)
{
    static const struct {
        const char *word;
        pnml_scan_state state;
    } constructs[] = {
        {"--", PNML_SCAN_COMMENT},
        {"[CDATA[", PNML_SCAN_CDATA},
        {"DOCTYPE", PNML_SCAN_DOCTYPE},
    };
    bool undecided = false;
    for (size_t i = 0; i < sizeof constructs / sizeof constructs[0]; i++) {
        size_t length = strlen(constructs[i].word);
        size_t compared = reader->scan_bang_length < length
                              ? reader->scan_bang_length : length;
        if (memcmp(reader->scan_bang, constructs[i].word, compared) != 0)
            continue;
        if (reader->scan_bang_length == length)
            return constructs[i].state;
        undecided = true;
    }
    /* Anything else is not well-formed here: libxml2 will say so. */
    return undecided ? PNML_SCAN_BANG : PNML_SCAN_CONTENT;
}

/* Inside <!DOCTYPE ...>: finds its end and refuses entity declarations.
 * The check for "<!ENTITY" ignores quotes and comments on purpose: being
 * fooled by an odd quote must never let a declaration through. */
static bool pnml_scan_doctype(pnml_reader *reader, unsigned char byte)
{
    uint64_t tail = reader->scan_tail;
    if (tail == PNML_TAIL8('<', '!', 'E', 'N', 'T', 'I', 'T', 'Y'))
        return pnml_fail(reader, PNSIM_ERR_INPUT, reader->scan_open,
                         "entity declarations are not allowed in PNML "
                         "(they can expand without bound or read other "
                         "files)");
    if (byte == '<')
        reader->scan_open =
            (pnml_position){reader->scan_line, reader->scan_column};
    if (reader->scan_comment) {
        if ((tail & 0xFFFFFF) == PNML_TAIL3('-', '-', '>'))
            reader->scan_comment = false;
    } else if (reader->scan_quote != 0) {
        if (byte == (unsigned char)reader->scan_quote)
            reader->scan_quote = 0;
    } else if ((tail & 0xFFFFFFFF) == PNML_TAIL4('<', '!', '-', '-')) {
        reader->scan_comment = true;
        reader->scan_tail = 0;
    } else if (byte == '"' || byte == '\'') {
        reader->scan_quote = (char)byte;
    } else if (byte == '[') {
        reader->scan_subset = true;
    } else if (byte == ']') {
        reader->scan_subset = false;
    } else if (byte == '>' && !reader->scan_subset) {
        reader->scan_state = PNML_SCAN_CONTENT;
    }
    return true;
}

static bool pnml_scan(pnml_reader *reader, const unsigned char *bytes,
                      size_t length)
{
    for (size_t i = 0; i < length; i++) {
        unsigned char byte = bytes[i];
        /* Columns count characters: skip UTF-8 continuation bytes. */
        if ((byte & 0xC0) != 0x80)
            reader->scan_column++;
        reader->scan_tail = reader->scan_tail << 8 | byte;
        if (byte != ' ' && byte != '\t' && byte != '\n' && byte != '\r')
            reader->scan_saw_content = true;
        if (byte == 0)
            return pnml_fail(reader, PNSIM_ERR_INPUT,
                             (pnml_position){reader->scan_line,
                                             reader->scan_column},
                             "NUL byte: not an XML text file (pnsim reads "
                             "UTF-8 or ASCII PNML)");

        switch (reader->scan_state) {
        case PNML_SCAN_CONTENT:
            if (byte == '<') {
                reader->scan_open = (pnml_position){reader->scan_line,
                                                    reader->scan_column};
                reader->scan_state = PNML_SCAN_OPEN;
            }
            break;
        case PNML_SCAN_OPEN:
            if (byte == '!') {
                reader->scan_bang_length = 0;
                reader->scan_state = PNML_SCAN_BANG;
            } else if (byte == '?') {
                reader->scan_tail = 0;
                reader->scan_state = PNML_SCAN_PI;
            } else {
                reader->scan_state = PNML_SCAN_CONTENT;
                if (byte != '/' && !pnml_queue_push(reader, reader->scan_open))
                    return false;
            }
            break;
        case PNML_SCAN_BANG:
            reader->scan_bang[reader->scan_bang_length++] = (char)byte;
            reader->scan_state = pnml_scan_bang(reader);
            reader->scan_quote = 0;
            reader->scan_subset = false;
            reader->scan_comment = false;
            if (reader->scan_state != PNML_SCAN_BANG)
                reader->scan_tail = 0;
            break;
        case PNML_SCAN_COMMENT:
            if ((reader->scan_tail & 0xFFFFFF) == PNML_TAIL3('-', '-', '>'))
                reader->scan_state = PNML_SCAN_CONTENT;
            break;
        case PNML_SCAN_CDATA:
            if ((reader->scan_tail & 0xFFFFFF) == PNML_TAIL3(']', ']', '>'))
                reader->scan_state = PNML_SCAN_CONTENT;
            break;
        case PNML_SCAN_PI:
            if ((reader->scan_tail & 0xFFFF) == PNML_TAIL2('?', '>'))
                reader->scan_state = PNML_SCAN_CONTENT;
            break;
        case PNML_SCAN_DOCTYPE:
            if (!pnml_scan_doctype(reader, byte))
                return false;
            break;
        }

        if (byte == '\n') {
            reader->scan_line++;
            reader->scan_column = 0;
        }
    }
    return true;
}

/* libxml2's input callback: hands over the next bytes after scanning them.
 * On -1 libxml2 stops; our own error is then already recorded. */
static int pnml_io_read(void *context, char *buffer, int length)
{
    pnml_reader *reader = context;
    if (reader->failed || length <= 0)
        return reader->failed ? -1 : 0;
    size_t count;
    if (reader->stream != NULL) {
        count = fread(buffer, 1, (size_t)length, reader->stream);
        if (count == 0 && ferror(reader->stream)) {
            pnml_fail(reader, PNSIM_ERR_IO, pnml_nowhere, "cannot read: %s",
                      strerror(errno));
            return -1;
        }
    } else {
        count = reader->memory_size - reader->memory_offset;
        if (count > (size_t)length)
            count = (size_t)length;
        if (count > 0) {        /* memory may be NULL when empty */
            memcpy(buffer, reader->memory + reader->memory_offset, count);
            reader->memory_offset += count;
        }
    }
    if (!pnml_scan(reader, (const unsigned char *)buffer, count))
        return -1;
    return (int)count;
}

/* ------------------------------------------------------------------------
 * Values.
 * ------------------------------------------------------------------------ */

typedef enum pnml_number {
    PNML_NUMBER_OK,
    PNML_NUMBER_INVALID,
    PNML_NUMBER_NEGATIVE,
    PNML_NUMBER_TOO_LARGE
} pnml_number;

static bool pnml_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Strips XML white space from both ends of `text` (in place). */
static char *pnml_trim(char *text)
{
    while (pnml_is_space(*text))
        text++;
    size_t length = strlen(text);
    while (length > 0 && pnml_is_space(text[length - 1]))
        text[--length] = '\0';
    return text;
}

/* Skips XML white space. */
static const char *pnml_skip_space(const char *text)
{
    while (pnml_is_space(*text))
        text++;
    return text;
}

/* Parses an unsigned decimal integer of at most 2^64 - 1, with white space
 * allowed around it. */
static pnml_number pnml_parse_count(const char *text, uint64_t *value)
{
    const char *c = pnml_skip_space(text);
    bool negative = *c == '-';
    if (*c == '-' || *c == '+')
        c++;
    if (*c < '0' || *c > '9')
        return PNML_NUMBER_INVALID;
    uint64_t result = 0;
    bool too_large = false;
    for (; *c >= '0' && *c <= '9'; c++) {
        unsigned digit = (unsigned)(*c - '0');
        if (result > (UINT64_MAX - digit) / 10)
            too_large = true;
        else
            result = result * 10 + digit;
    }
    if (*pnml_skip_space(c) != '\0')
        return PNML_NUMBER_INVALID;
    if (negative && (result != 0 || too_large))
        return PNML_NUMBER_NEGATIVE;
    if (too_large)
        return PNML_NUMBER_TOO_LARGE;
    *value = result;
    return PNML_NUMBER_OK;
}

/* Parses a real number, with white space allowed around it.  strtod
 * follows LC_NUMERIC, and pnsim never calls setlocale, so the decimal
 * point is '.'. */
static bool pnml_parse_real(const char *text, double *value)
{
    text = pnml_skip_space(text);
    if (*text == '\0')
        return false;
    char *end;
    *value = strtod(text, &end);
    return end != text && *pnml_skip_space(end) == '\0';
}

/* The value of the current element's attribute `name`, or NULL.  The
 * string lives inside the XML reader: use it before the next read. */
static const char *pnml_attribute(pnml_reader *reader, const char *name)
{
    if (xmlTextReaderMoveToAttribute(reader->xml, BAD_CAST name) != 1)
        return NULL;
    const char *value = (const char *)xmlTextReaderConstValue(reader->xml);
    xmlTextReaderMoveToElement(reader->xml);
    return value;
}

/* A copy of attribute `name` that must be present on element `element`. */
static char *pnml_required_attribute(pnml_reader *reader, const char *element,
                                     const char *name, pnml_position at)
{
    const char *value = pnml_attribute(reader, name);
    if (value == NULL || value[0] == '\0') {
        pnml_fail(reader, PNSIM_ERR_INPUT, at,
                  "<%s> has no %s attribute", element, name);
        return NULL;
    }
    char *copy = strdup(value);
    if (copy == NULL)
        pnml_no_memory(reader);
    return copy;
}

/* ------------------------------------------------------------------------
 * Nodes.
 * ------------------------------------------------------------------------ */

/* Records that `id` names a node; refuses a second definition. */
static bool pnml_define(pnml_reader *reader, const char *id,
                        pnml_node_kind kind, size_t index, pnml_position at)
{
    const pnml_entry *first = pnml_map_find(&reader->ids, id);
    if (first != NULL)
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "duplicate id '%s' (first defined at line %lu, "
                         "column %lu)", id, first->at.line, first->at.column);
    pnml_entry entry = {id, kind, (uint32_t)index, at};
    return pnml_map_add(&reader->ids, entry) || pnml_no_memory(reader);
}

static bool pnml_start_place(pnml_reader *reader, pnml_position at)
{
    pn_net *net = reader->net;
    if (net->place_count >= UINT32_MAX)
        return pnml_fail(reader, PNSIM_ERR_UNSUPPORTED, at,
                         "too many places");
    if (net->place_count == reader->place_capacity) {
        pn_place *places = pnml_grow(net->places, &reader->place_capacity,
                                     sizeof *places);
        if (places == NULL)
            return pnml_no_memory(reader);
        net->places = places;
    }
    char *id = pnml_required_attribute(reader, "place", "id", at);
    if (id == NULL)
        return false;
    pn_place *place = &net->places[net->place_count++];
    *place = (pn_place){.id = id};
    return pnml_define(reader, id, PNML_NODE_PLACE, net->place_count - 1, at);
}

static bool pnml_start_transition(pnml_reader *reader, pnml_position at)
{
    pn_net *net = reader->net;
    if (net->transition_count >= UINT32_MAX)
        return pnml_fail(reader, PNSIM_ERR_UNSUPPORTED, at,
                         "too many transitions");
    if (net->transition_count == reader->transition_capacity) {
        pn_transition *transitions =
            pnml_grow(net->transitions, &reader->transition_capacity,
                      sizeof *transitions);
        if (transitions == NULL)
            return pnml_no_memory(reader);
        net->transitions = transitions;
    }
    char *id = pnml_required_attribute(reader, "transition", "id", at);
    if (id == NULL)
        return false;
    pn_transition *transition = &net->transitions[net->transition_count++];
    *transition = (pn_transition){.id = id, .rate = 1.0};
    return pnml_define(reader, id, PNML_NODE_TRANSITION,
                       net->transition_count - 1, at);
}

static bool pnml_start_arc(pnml_reader *reader, pnml_position at)
{
    if (reader->arc_count == reader->arc_capacity) {
        pnml_pending_arc *arcs = pnml_grow(reader->arcs, &reader->arc_capacity,
                                           sizeof *arcs);
        if (arcs == NULL)
            return pnml_no_memory(reader);
        reader->arcs = arcs;
    }
    pnml_pending_arc *arc = &reader->arcs[reader->arc_count];
    *arc = (pnml_pending_arc){.at = at, .kind = PN_ARC_NORMAL, .weight = 1};
    arc->id = pnml_required_attribute(reader, "arc", "id", at);
    if (arc->id == NULL)
        return false;
    reader->arc_count++;    /* from here on the reader frees its strings */
    arc->source = pnml_required_attribute(reader, "arc", "source", at);
    if (arc->source == NULL)
        return false;
    arc->target = pnml_required_attribute(reader, "arc", "target", at);
    if (arc->target == NULL)
        return false;
    return pnml_define(reader, arc->id, PNML_NODE_ARC, reader->arc_count - 1,
                       at);
}

/* A page's id is optional here (the standard requires it, some tools
 * omit it), but one that is present takes its place in the namespace all
 * ids share, so that a place cannot reuse it. */
static bool pnml_start_page(pnml_reader *reader, pnml_position at)
{
    const char *id = pnml_attribute(reader, "id");
    if (id == NULL || id[0] == '\0')
        return true;
    if (reader->page_id_count == reader->page_id_capacity) {
        char **ids = pnml_grow(reader->page_ids, &reader->page_id_capacity,
                               sizeof *ids);
        if (ids == NULL)
            return pnml_no_memory(reader);
        reader->page_ids = ids;
    }
    char *copy = strdup(id);
    if (copy == NULL)
        return pnml_no_memory(reader);
    reader->page_ids[reader->page_id_count++] = copy;
    return pnml_define(reader, copy, PNML_NODE_PAGE,
                       reader->page_id_count - 1, at);
}

static bool pnml_start_reference(pnml_reader *reader, const char *element,
                                 pnml_position at)
{
    if (reader->reference_count == reader->reference_capacity) {
        pnml_reference *references =
            pnml_grow(reader->references, &reader->reference_capacity,
                      sizeof *references);
        if (references == NULL)
            return pnml_no_memory(reader);
        reader->references = references;
    }
    pnml_reference *reference = &reader->references[reader->reference_count];
    *reference = (pnml_reference){
        .at = at, .is_place = strcmp(element, "referencePlace") == 0};
    reference->id = pnml_required_attribute(reader, element, "id", at);
    if (reference->id == NULL)
        return false;
    reader->reference_count++;
    reference->ref = pnml_required_attribute(reader, element, "ref", at);
    if (reference->ref == NULL)
        return false;
    return pnml_define(reader, reference->id, PNML_NODE_REFERENCE,
                       reader->reference_count - 1, at);
}

/* Net types are URLs such as "http://www.pnml.org/version-2009/grammar/
 * ptnet"; only the last word matters. */
static bool pnml_ends_with(const char *text, const char *suffix)
{
    size_t length = strlen(text), suffix_length = strlen(suffix);
    return length >= suffix_length &&
           strcmp(text + length - suffix_length, suffix) == 0;
}

static bool pnml_start_net(pnml_reader *reader, pnml_position at)
{
    if (reader->seen_net)
        return pnml_fail(reader, PNSIM_ERR_UNSUPPORTED, at,
                         "a second <net>: pnsim reads one net per file");
    reader->seen_net = true;
    const char *type = pnml_attribute(reader, "type");
    if (type == NULL)
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "<net> without a type attribute (expected a "
                         "place/transition net, type ending in 'ptnet')");
    if (pnml_ends_with(type, "symmetricnet") ||
        pnml_ends_with(type, "highlevelnet") ||
        pnml_ends_with(type, "pt-hlpng"))
        return pnml_fail(reader, PNSIM_ERR_UNSUPPORTED, at,
                         "coloured nets are not supported yet (net type "
                         "'%.200s')", type);
    if (!pnml_ends_with(type, "ptnet"))
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "unknown net type '%.200s' (expected a "
                         "place/transition net, type ending in 'ptnet')",
                         type);
    reader->net->id = pnml_required_attribute(reader, "net", "id", at);
    return reader->net->id != NULL;
}

/* The place or transition whose <graphics> is open (the grandparent). */
static pn_position *pnml_position_owner(pnml_reader *reader)
{
    pn_net *net = reader->net;
    pnml_role owner = reader->open[reader->depth - 3].role;
    if (owner == PNML_PLACE)
        return &net->places[net->place_count - 1].position;
    return &net->transitions[net->transition_count - 1].position;
}

/* Graphics are cosmetic: a position that does not parse is dropped. */
static void pnml_start_position(pnml_reader *reader)
{
    double x, y;
    const char *text = pnml_attribute(reader, "x");
    if (text == NULL || !pnml_parse_real(text, &x))
        return;
    text = pnml_attribute(reader, "y");
    if (text == NULL || !pnml_parse_real(text, &y))
        return;
    *pnml_position_owner(reader) = (pn_position){true, x, y};
}

static bool pnml_start_arc_type(pnml_reader *reader, pnml_position at)
{
    pnml_pending_arc *arc = &reader->arcs[reader->arc_count - 1];
    const char *value = pnml_attribute(reader, "value");
    if (value == NULL)
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "arc '%s': <type> without a value attribute",
                         arc->id);
    if (strcmp(value, "normal") == 0)
        arc->kind = PN_ARC_NORMAL;
    else if (strcmp(value, "read") == 0 || strcmp(value, "test") == 0)
        arc->kind = PN_ARC_READ;
    else if (strcmp(value, "inhibitor") == 0)
        arc->kind = PN_ARC_INHIBITOR;
    else if (strcmp(value, "reset") == 0 || strcmp(value, "transport") == 0)
        return pnml_fail(reader, PNSIM_ERR_UNSUPPORTED, at,
                         "arc '%s': %s arcs are not supported", arc->id,
                         value);
    else
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "arc '%s' has unknown type '%.100s' (expected "
                         "normal, read, test or inhibitor)", arc->id, value);
    return true;
}

static void pnml_start_nupn_structure(pnml_reader *reader)
{
    /* NUPN information is advisory: a value that does not parse is
     * ignored rather than refused. */
    const char *units = pnml_attribute(reader, "units");
    uint64_t count;
    if (units != NULL && pnml_parse_count(units, &count) == PNML_NUMBER_OK &&
        count <= SIZE_MAX)
        reader->net->nupn_units = (size_t)count;
    const char *safe = pnml_attribute(reader, "safe");
    reader->net->nupn_safe = safe != NULL && (strcmp(safe, "true") == 0 ||
                                              strcmp(safe, "1") == 0);
}

/* What a child `name` of an element with role `parent` means.  `reader` is
 * needed to look at a <toolspecific>'s tool. */
static pnml_role pnml_child_role(pnml_reader *reader, pnml_role parent,
                                 const char *name)
{
    bool toolspecific = strcmp(name, "toolspecific") == 0;
    const char *tool = toolspecific ? pnml_attribute(reader, "tool") : NULL;
    bool pnsim_tool = tool != NULL && strcmp(tool, "pnsim") == 0;
    bool nupn_tool = tool != NULL && strcmp(tool, "nupn") == 0;

    switch (parent) {
    case PNML_ROOT:
        return strcmp(name, "net") == 0 ? PNML_NET : PNML_IGNORED;
    case PNML_NET:
    case PNML_PAGE:
        if (strcmp(name, "page") == 0)
            return PNML_PAGE;
        if (strcmp(name, "place") == 0)
            return PNML_PLACE;
        if (strcmp(name, "transition") == 0)
            return PNML_TRANSITION;
        if (strcmp(name, "arc") == 0)
            return PNML_ARC;
        if (strcmp(name, "referencePlace") == 0 ||
            strcmp(name, "referenceTransition") == 0)
            return PNML_REFERENCE;
        if (nupn_tool)
            return PNML_TOOL_NUPN;
        if (parent == PNML_NET && strcmp(name, "name") == 0)
            return PNML_NAME;
        return PNML_IGNORED;
    case PNML_PLACE:
    case PNML_TRANSITION:
        if (strcmp(name, "name") == 0)
            return PNML_NAME;
        if (strcmp(name, "graphics") == 0)
            return PNML_GRAPHICS;
        if (pnsim_tool)
            return PNML_TOOL_PNSIM;
        if (parent == PNML_PLACE && strcmp(name, "initialMarking") == 0)
            return PNML_INITIAL_MARKING;
        return PNML_IGNORED;
    case PNML_ARC:
        if (strcmp(name, "inscription") == 0)
            return PNML_INSCRIPTION;
        if (strcmp(name, "type") == 0)
            return PNML_ARC_TYPE;
        return PNML_IGNORED;
    case PNML_NAME:
    case PNML_INITIAL_MARKING:
    case PNML_INSCRIPTION:
        return strcmp(name, "text") == 0 ? PNML_TEXT : PNML_IGNORED;
    case PNML_GRAPHICS:
        return strcmp(name, "position") == 0 ? PNML_POSITION : PNML_IGNORED;
    case PNML_TOOL_PNSIM:
        if (reader->open[reader->depth - 2].role == PNML_PLACE) {
            if (strcmp(name, "final") == 0)
                return PNML_FINAL;
            if (strcmp(name, "shared") == 0)
                return PNML_SHARED;
        } else if (strcmp(name, "rate") == 0) {
            return PNML_RATE;
        } else if (strcmp(name, "component") == 0) {
            return PNML_COMPONENT;
        }
        return PNML_IGNORED;
    case PNML_TOOL_NUPN:
        return strcmp(name, "structure") == 0 ? PNML_NUPN_STRUCTURE
                                              : PNML_IGNORED;
    default:
        return PNML_IGNORED;
    }
}

/* Does what the start tag of the element just pushed calls for. */
static bool pnml_element_start(pnml_reader *reader, const char *name)
{
    pnml_open_element *element = &reader->open[reader->depth - 1];
    pn_net *net = reader->net;
    switch (element->role) {
    case PNML_NET:
        return pnml_start_net(reader, element->at);
    case PNML_PAGE:
        net->page_count++;
        return pnml_start_page(reader, element->at);
    case PNML_PLACE:
        return pnml_start_place(reader, element->at);
    case PNML_TRANSITION:
        return pnml_start_transition(reader, element->at);
    case PNML_ARC:
        return pnml_start_arc(reader, element->at);
    case PNML_REFERENCE:
        return pnml_start_reference(reader, name, element->at);
    case PNML_TEXT:
    case PNML_RATE:
    case PNML_COMPONENT:
        reader->text_length = 0;
        return true;
    case PNML_POSITION:
        pnml_start_position(reader);
        return true;
    case PNML_ARC_TYPE:
        return pnml_start_arc_type(reader, element->at);
    case PNML_FINAL:
        net->places[net->place_count - 1].final = true;
        return true;
    case PNML_SHARED:
        net->places[net->place_count - 1].shared = true;
        return true;
    case PNML_NUPN_STRUCTURE:
        pnml_start_nupn_structure(reader);
        return true;
    default:
        return true;
    }
}

/* Replaces *name with a copy of `text`. */
static bool pnml_set_name(pnml_reader *reader, char **name, const char *text)
{
    char *copy = strdup(text);
    if (copy == NULL)
        return pnml_no_memory(reader);
    free(*name);
    *name = copy;
    return true;
}

static bool pnml_end_marking(pnml_reader *reader, const char *text,
                             pnml_position at)
{
    pn_place *place = &reader->net->places[reader->net->place_count - 1];
    switch (pnml_parse_count(text, &place->initial)) {
    case PNML_NUMBER_OK:
        return true;
    case PNML_NUMBER_NEGATIVE:
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "initial marking of place '%s' is negative: "
                         "'%.40s'", place->id, text);
    case PNML_NUMBER_TOO_LARGE:
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "initial marking of place '%s' exceeds 2^64-1: "
                         "'%.40s'", place->id, text);
    default:
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "initial marking of place '%s' is not a "
                         "non-negative integer: '%.40s'", place->id, text);
    }
}

static bool pnml_end_inscription(pnml_reader *reader, const char *text,
                                 pnml_position at)
{
    pnml_pending_arc *arc = &reader->arcs[reader->arc_count - 1];
    switch (pnml_parse_count(text, &arc->weight)) {
    case PNML_NUMBER_OK:
        if (arc->weight == 0)
            return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                             "weight of arc '%s' is 0 (an arc's weight is "
                             "at least 1)", arc->id);
        return true;
    case PNML_NUMBER_NEGATIVE:
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "weight of arc '%s' is negative: '%.40s'", arc->id,
                         text);
    case PNML_NUMBER_TOO_LARGE:
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "weight of arc '%s' exceeds 2^64-1: '%.40s'",
                         arc->id, text);
    default:
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "weight of arc '%s' is not a positive integer: "
                         "'%.40s'", arc->id, text);
    }
}

static bool pnml_end_rate(pnml_reader *reader, const char *text,
                          pnml_position at)
{
    pn_transition *transition =
        &reader->net->transitions[reader->net->transition_count - 1];
    double rate;
    /* "!(rate > 0)" also refuses NaN. */
    if (!pnml_parse_real(text, &rate) || !(rate > 0))
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "rate of transition '%s' must be a positive number "
                         "or 'inf': '%.40s'", transition->id, text);
    transition->rate = rate;
    return true;
}

static bool pnml_end_component(pnml_reader *reader, const char *text,
                               pnml_position at)
{
    pn_transition *transition =
        &reader->net->transitions[reader->net->transition_count - 1];
    if (text[0] == '\0')
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "component of transition '%s' is empty",
                         transition->id);
    if (transition->component != NULL)
        return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                         "transition '%s' has two components",
                         transition->id);
    transition->component = strdup(text);
    return transition->component != NULL || pnml_no_memory(reader);
}

/* A <text> closes: its meaning depends on the parent (and for a name, on
 * whose name it is). */
static bool pnml_end_text(pnml_reader *reader, char *text, pnml_position at)
{
    pn_net *net = reader->net;
    pnml_role parent = reader->open[reader->depth - 2].role;
    if (parent == PNML_INITIAL_MARKING)
        return pnml_end_marking(reader, text, at);
    if (parent == PNML_INSCRIPTION)
        return pnml_end_inscription(reader, text, at);
    /* A name; an empty one leaves the id as the name. */
    if (text[0] == '\0')
        return true;
    switch (reader->open[reader->depth - 3].role) {
    case PNML_NET:
        return pnml_set_name(reader, &net->name, text);
    case PNML_PLACE:
        return pnml_set_name(reader, &net->places[net->place_count - 1].name,
                             text);
    default:
        return pnml_set_name(
            reader, &net->transitions[net->transition_count - 1].name, text);
    }
}

/* Text may come in several nodes (around a comment, or a CDATA section):
 * gather it all before interpreting it. */
static bool pnml_append_text(pnml_reader *reader, const char *text)
{
    size_t length = strlen(text);
    size_t needed = reader->text_length + length + 1;
    if (needed > reader->text_capacity) {
        size_t capacity = reader->text_capacity == 0 ? 64
                                                     : reader->text_capacity;
        while (capacity < needed)
            capacity *= 2;
        char *grown = realloc(reader->text, capacity);
        if (grown == NULL)
            return pnml_no_memory(reader);
        reader->text = grown;
        reader->text_capacity = capacity;
    }
    memcpy(reader->text + reader->text_length, text, length + 1);
    reader->text_length += length;
    return true;
}

/* Does what the end of the innermost open element calls for. */
static bool pnml_element_end(pnml_reader *reader)
{
    pnml_open_element *element = &reader->open[reader->depth - 1];
    pn_net *net = reader->net;
    char empty[1] = "";
    switch (element->role) {
    case PNML_TEXT:
    case PNML_RATE:
    case PNML_COMPONENT: {
        char *text = reader->text_length > 0 ? pnml_trim(reader->text) : empty;
        return element->role == PNML_TEXT
                   ? pnml_end_text(reader, text, element->at)
               : element->role == PNML_RATE
                   ? pnml_end_rate(reader, text, element->at)
                   : pnml_end_component(reader, text, element->at);
    }
    case PNML_PLACE: {
        pn_place *place = &net->places[net->place_count - 1];
        return place->name != NULL ||
               pnml_set_name(reader, &place->name, place->id);
    }
    case PNML_TRANSITION: {
        pn_transition *transition = &net->transitions[net->transition_count - 1];
        return transition->name != NULL ||
               pnml_set_name(reader, &transition->name, transition->id);
    }
    case PNML_NET:
        return net->name != NULL || pnml_set_name(reader, &net->name, net->id);
    default:
        return true;
    }
}

/* ------------------------------------------------------------------------
 * Nodes as the XML reader hands them out.
 * ------------------------------------------------------------------------ */

/* Where libxml2's parser is: past the current node, but the best there is
 * for what the scanner does not track. */
static pnml_position pnml_parser_position(pnml_reader *reader)
{
    int line = xmlTextReaderGetParserLineNumber(reader->xml);
    int column = xmlTextReaderGetParserColumnNumber(reader->xml);
    return (pnml_position){line > 0 ? (unsigned long)line : 0,
                           column > 0 ? (unsigned long)column : 0};
}

static bool pnml_on_element(pnml_reader *reader)
{
    pnml_position at;
    if (!pnml_queue_pop(reader, &at)) {
        /* The scanner lost track (it should not): fall back on the line
         * libxml2 keeps with the node. */
        long line = xmlGetLineNo(xmlTextReaderCurrentNode(reader->xml));
        at = (pnml_position){line > 0 ? (unsigned long)line : 0, 0};
    }
    const char *name = (const char *)xmlTextReaderConstLocalName(reader->xml);
    if (name == NULL)
        return pnml_no_memory(reader);
    bool empty = xmlTextReaderIsEmptyElement(reader->xml) == 1;

    pnml_role role;
    if (reader->depth == 0) {
        if (strcmp(name, "pnml") != 0)
            return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                             "not a PNML document: the root element is "
                             "<%.100s>, expected <pnml>", name);
        role = PNML_ROOT;
        reader->seen_root = true;
        reader->root_at = at;
    } else {
        pnml_role parent = reader->open[reader->depth - 1].role;
        role = parent == PNML_IGNORED
                   ? PNML_IGNORED : pnml_child_role(reader, parent, name);
    }

    if (reader->depth == reader->open_capacity) {
        pnml_open_element *open = pnml_grow(reader->open,
                                            &reader->open_capacity,
                                            sizeof *open);
        if (open == NULL)
            return pnml_no_memory(reader);
        reader->open = open;
    }
    reader->open[reader->depth++] = (pnml_open_element){role, at};
    if (!pnml_element_start(reader, name))
        return false;
    if (!empty)
        return true;
    /* <x/> has no end node of its own. */
    bool ok = pnml_element_end(reader);
    reader->depth--;
    return ok;
}

static bool pnml_on_end(pnml_reader *reader)
{
    if (reader->depth == 0)
        return true;
    bool ok = pnml_element_end(reader);
    reader->depth--;
    return ok;
}

static bool pnml_on_node(pnml_reader *reader)
{
    switch (xmlTextReaderNodeType(reader->xml)) {
    case XML_READER_TYPE_ELEMENT:
        return pnml_on_element(reader);
    case XML_READER_TYPE_END_ELEMENT:
        return pnml_on_end(reader);
    case XML_READER_TYPE_TEXT:
    case XML_READER_TYPE_CDATA:
    case XML_READER_TYPE_WHITESPACE:
    case XML_READER_TYPE_SIGNIFICANT_WHITESPACE: {
        if (reader->depth == 0)
            return true;
        pnml_role role = reader->open[reader->depth - 1].role;
        if (role != PNML_TEXT && role != PNML_RATE && role != PNML_COMPONENT)
            return true;
        const char *value = (const char *)xmlTextReaderConstValue(reader->xml);
        return value == NULL || pnml_append_text(reader, value);
    }
    case XML_READER_TYPE_ENTITY_REFERENCE:
        return pnml_fail(reader, PNSIM_ERR_INPUT, pnml_parser_position(reader),
                         "entity reference '&%.100s;' is not allowed in PNML",
                         (const char *)xmlTextReaderConstName(reader->xml));
    case XML_READER_TYPE_DOCUMENT_TYPE: {
        /* The scanner refuses entity declarations before libxml2 sees
         * them; this catches any it could not recognise. */
        xmlNodePtr node = xmlTextReaderCurrentNode(reader->xml);
        if (node != NULL && node->type == XML_DTD_NODE) {
            xmlDtdPtr dtd = (xmlDtdPtr)node;
            if (dtd->entities != NULL || dtd->pentities != NULL)
                return pnml_fail(reader, PNSIM_ERR_INPUT,
                                 pnml_parser_position(reader),
                                 "entity declarations are not allowed in "
                                 "PNML");
        }
        return true;
    }
    default:
        return true;
    }
}

static void pnml_parse(pnml_reader *reader)
{
    while (!reader->failed) {
        int status = xmlTextReaderRead(reader->xml);
        if (reader->failed)
            return;
        if (status == 0)
            return;
        if (status < 0) {
            pnml_fail(reader, PNSIM_ERR_INPUT, pnml_parser_position(reader),
                      "malformed XML");
            return;
        }
        if (!pnml_on_node(reader))
            return;
    }
}

/* ------------------------------------------------------------------------
 * After the document: references, arc endpoints, parallel arcs.
 * ------------------------------------------------------------------------ */

static bool pnml_resolve_references(pnml_reader *reader)
{
    for (size_t i = 0; i < reader->reference_count; i++) {
        pnml_reference *reference = &reader->references[i];
        const char *wanted = reference->is_place ? "place" : "transition";
        pnml_node_kind kind = reference->is_place ? PNML_NODE_PLACE
                                                  : PNML_NODE_TRANSITION;
        const char *ref = reference->ref;
        for (size_t hops = 0;; hops++) {
            const pnml_entry *entry = pnml_map_find(&reader->ids, ref);
            if (entry == NULL)
                return pnml_fail(reader, PNSIM_ERR_INPUT, reference->at,
                                 "reference '%s' refers to unknown node "
                                 "'%s'", reference->id, ref);
            if (hops > reader->reference_count)
                return pnml_fail(reader, PNSIM_ERR_INPUT, reference->at,
                                 "reference '%s' is part of a cycle of "
                                 "references", reference->id);
            if (entry->kind == PNML_NODE_REFERENCE) {
                const pnml_reference *next = &reader->references[entry->index];
                if (next->is_place != reference->is_place)
                    return pnml_fail(reader, PNSIM_ERR_INPUT, reference->at,
                                     "reference '%s' refers to '%s', which "
                                     "is not a %s", reference->id, ref,
                                     wanted);
                if (next->resolved) {
                    reference->node = next->node;
                    break;
                }
                ref = next->ref;
                continue;
            }
            if (entry->kind != kind)
                return pnml_fail(reader, PNSIM_ERR_INPUT, reference->at,
                                 "reference '%s' refers to '%s', which is "
                                 "not a %s", reference->id, ref, wanted);
            reference->node = entry->index;
            break;
        }
        reference->resolved = true;
    }
    return true;
}

/* The place or transition that end `which` ("source" or "target") of
 * `arc`, the node called `id`, stands for. */
static bool pnml_resolve_end(pnml_reader *reader, const pnml_pending_arc *arc,
                             const char *which, const char *id,
                             bool *is_place, uint32_t *index)
{
    const pnml_entry *entry = pnml_map_find(&reader->ids, id);
    if (entry == NULL)
        return pnml_fail(reader, PNSIM_ERR_INPUT, arc->at,
                         "arc '%s' has unknown %s '%s'", arc->id, which, id);
    switch (entry->kind) {
    case PNML_NODE_PLACE:
    case PNML_NODE_TRANSITION:
        *is_place = entry->kind == PNML_NODE_PLACE;
        *index = entry->index;
        return true;
    case PNML_NODE_REFERENCE:
        *is_place = reader->references[entry->index].is_place;
        *index = reader->references[entry->index].node;
        return true;
    default:
        return pnml_fail(reader, PNSIM_ERR_INPUT, arc->at,
                         "arc '%s' has %s '%s', which is %s", arc->id, which,
                         id, entry->kind == PNML_NODE_PAGE ? "a page"
                                                           : "an arc");
    }
}

static bool pnml_resolve_arcs(pnml_reader *reader)
{
    pn_net *net = reader->net;
    if (reader->arc_count == 0)
        return true;
    net->arcs = calloc(reader->arc_count, sizeof *net->arcs);
    if (net->arcs == NULL)
        return pnml_no_memory(reader);
    for (size_t i = 0; i < reader->arc_count; i++) {
        pnml_pending_arc *pending = &reader->arcs[i];
        bool source_is_place = false, target_is_place = false;
        uint32_t source = 0, target = 0;
        if (!pnml_resolve_end(reader, pending, "source", pending->source,
                              &source_is_place, &source) ||
            !pnml_resolve_end(reader, pending, "target", pending->target,
                              &target_is_place, &target))
            return false;
        if (source_is_place == target_is_place) {
            const char *kind = source_is_place ? "place" : "transition";
            return pnml_fail(reader, PNSIM_ERR_INPUT, pending->at,
                             "arc '%s' goes from %s '%s' to %s '%s': an arc "
                             "must join a place and a transition",
                             pending->id, kind, pending->source, kind,
                             pending->target);
        }
        if (pending->kind != PN_ARC_NORMAL && !source_is_place)
            return pnml_fail(reader, PNSIM_ERR_INPUT, pending->at,
                             "%s arc '%s' goes from transition '%s' to place "
                             "'%s': read and inhibitor arcs must go from a "
                             "place to a transition",
                             pending->kind == PN_ARC_READ ? "read"
                                                          : "inhibitor",
                             pending->id, pending->source, pending->target);
        pn_arc *arc = &net->arcs[net->arc_count++];
        arc->id = pending->id;
        pending->id = NULL;             /* the net owns it now */
        arc->place = source_is_place ? source : target;
        arc->transition = source_is_place ? target : source;
        arc->to_transition = source_is_place;
        arc->kind = pending->kind;
        arc->weight = pending->weight;
    }
    return true;
}

typedef struct pnml_arc_key {
    uint32_t transition, place;
    bool to_transition;
    size_t index;                       /* into net->arcs */
} pnml_arc_key;

static int pnml_compare_arc_keys(const void *left, const void *right)
{
    const pnml_arc_key *a = left, *b = right;
    if (a->transition != b->transition)
        return a->transition < b->transition ? -1 : 1;
    if (a->to_transition != b->to_transition)
        return a->to_transition ? -1 : 1;
    if (a->place != b->place)
        return a->place < b->place ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Normal arcs joining the same place and transition in the same direction
 * act as one arc whose weight is their sum: keep the first, in file order,
 * with that weight.  Sorting finds them in O(n log n). */
static bool pnml_merge_parallel_arcs(pnml_reader *reader)
{
    pn_net *net = reader->net;
    if (net->arc_count < 2)
        return true;
    pnml_arc_key *keys = malloc(net->arc_count * sizeof *keys);
    if (keys == NULL)
        return pnml_no_memory(reader);
    size_t key_count = 0;
    for (size_t i = 0; i < net->arc_count; i++)
        if (net->arcs[i].kind == PN_ARC_NORMAL)
            keys[key_count++] = (pnml_arc_key){
                net->arcs[i].transition, net->arcs[i].place,
                net->arcs[i].to_transition, i};
    qsort(keys, key_count, sizeof *keys, pnml_compare_arc_keys);

    /* A weight of 0 marks an arc merged into an earlier one. */
    bool merged_any = false;
    for (size_t first = 0, k = 1; k < key_count; k++) {
        if (keys[k].transition != keys[first].transition ||
            keys[k].to_transition != keys[first].to_transition ||
            keys[k].place != keys[first].place) {
            first = k;
            continue;
        }
        pn_arc *kept = &net->arcs[keys[first].index];
        pn_arc *extra = &net->arcs[keys[k].index];
        if (kept->weight > UINT64_MAX - extra->weight) {
            const pnml_position at = reader->arcs[keys[k].index].at;
            free(keys);
            return pnml_fail(reader, PNSIM_ERR_INPUT, at,
                             "arcs '%s' and '%s' join the same place and "
                             "transition in the same direction, and their "
                             "weights add up to more than 2^64-1",
                             kept->id, extra->id);
        }
        kept->weight += extra->weight;
        extra->weight = 0;
        merged_any = true;
    }
    free(keys);
    if (!merged_any)
        return true;
    size_t kept_count = 0;
    for (size_t i = 0; i < net->arc_count; i++) {
        if (net->arcs[i].weight == 0)
            free(net->arcs[i].id);
        else
            net->arcs[kept_count++] = net->arcs[i];
    }
    net->arc_count = kept_count;
    return true;
}

static bool pnml_finish(pnml_reader *reader)
{
    if (!reader->seen_root)
        return pnml_fail(reader, PNSIM_ERR_INPUT, (pnml_position){1, 1},
                         "not a PNML document: no root element");
    if (!reader->seen_net)
        return pnml_fail(reader, PNSIM_ERR_INPUT, reader->root_at,
                         "no <net> element in the PNML document");
    if (!pnml_resolve_references(reader) || !pnml_resolve_arcs(reader) ||
        !pnml_merge_parallel_arcs(reader))
        return false;
    reader->net->file = strdup(reader->file);
    return reader->net->file != NULL || pnml_no_memory(reader);
}

/* ------------------------------------------------------------------------
 * Entry points.
 * ------------------------------------------------------------------------ */

static void pnml_reader_free(pnml_reader *reader)
{
    for (size_t i = 0; i < reader->arc_count; i++) {
        free(reader->arcs[i].id);
        free(reader->arcs[i].source);
        free(reader->arcs[i].target);
    }
    free(reader->arcs);
    for (size_t i = 0; i < reader->reference_count; i++) {
        free(reader->references[i].id);
        free(reader->references[i].ref);
    }
    free(reader->references);
    for (size_t i = 0; i < reader->page_id_count; i++)
        free(reader->page_ids[i]);
    free(reader->page_ids);
    free(reader->ids.entries);
    free(reader->queue);
    free(reader->open);
    free(reader->text);
    pn_net_free(reader->net);
}

static pn_net *pnml_run(pnml_reader *reader)
{
    reader->scan_line = 1;
    reader->net = calloc(1, sizeof *reader->net);
    if (reader->net == NULL) {
        pnml_no_memory(reader);
        pnml_reader_free(reader);
        return NULL;
    }

    /* libxml2 reports some errors (those raised before the reader exists,
     * input errors) through its per-thread global handlers: route them
     * here for the duration of the parse instead of letting them reach
     * stderr, then put back whatever the caller had. */
    xmlInitParser();
    xmlStructuredErrorFunc saved_structured = xmlStructuredError;
    void *saved_structured_context = xmlStructuredErrorContext;
    xmlGenericErrorFunc saved_generic = xmlGenericError;
    void *saved_generic_context = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(reader, pnml_xml_error_handler);
    xmlSetGenericErrorFunc(reader, pnml_xml_generic_handler);

    /* No XML_PARSE_NOENT (entities are never substituted), no DTD loading,
     * no network.  XML_PARSE_HUGE is not needed: long lines are no problem,
     * only single text nodes over 10 MB would be. */
    reader->xml = xmlReaderForIO(pnml_io_read, NULL, reader, reader->file,
                                 NULL, XML_PARSE_NONET);
    if (reader->xml == NULL) {
        pnml_fail(reader, PNSIM_ERR_NOMEM, pnml_nowhere,
                  "cannot start the XML reader");
    } else {
        xmlTextReaderSetStructuredErrorHandler(reader->xml,
                                               pnml_xml_error_handler, reader);
        pnml_parse(reader);
        xmlFreeTextReader(reader->xml);
        reader->xml = NULL;
    }

    xmlSetStructuredErrorFunc(saved_structured_context, saved_structured);
    xmlSetGenericErrorFunc(saved_generic_context, saved_generic);

    /* libxml2 calls an empty file "Document is empty" somewhere near its
     * end; say it plainly, unless reading itself failed (an I/O error, or
     * no memory to start the XML reader). */
    bool read_error = reader->failed && reader->error != NULL &&
                      (reader->error->status == PNSIM_ERR_IO ||
                       reader->error->status == PNSIM_ERR_NOMEM);
    if (!reader->scan_saw_content && !read_error) {
        reader->failed = false;
        pnml_fail(reader, PNSIM_ERR_INPUT, (pnml_position){1, 1},
                  "the file is empty: not a PNML document");
    }

    if (!reader->failed)
        pnml_finish(reader);
    pn_net *net = NULL;
    if (!reader->failed) {
        net = reader->net;
        reader->net = NULL;
    }
    pnml_reader_free(reader);
    return net;
}

pn_net *pnml_read(const char *path, pnsim_error *error)
{
    pnsim_error_clear(error);
    if (path == NULL) {
        pnsim_error_set(error, PNSIM_ERR_USAGE, "pnml_read: no file name");
        return NULL;
    }
    FILE *stream = fopen(path, "rb");
    if (stream == NULL) {
        pnsim_error_set_at(error, PNSIM_ERR_IO, path, 0, 0, "cannot open: %s",
                           strerror(errno));
        return NULL;
    }
    pnml_reader reader = {.stream = stream, .file = path, .error = error};
    pn_net *net = pnml_run(&reader);
    fclose(stream);
    return net;
}

pn_net *pnml_read_memory(const char *data, size_t size, const char *name,
                         pnsim_error *error)
{
    pnsim_error_clear(error);
    if (data == NULL && size > 0) {
        pnsim_error_set(error, PNSIM_ERR_USAGE,
                        "pnml_read_memory: no data");
        return NULL;
    }
    pnml_reader reader = {.memory = data, .memory_size = size,
                          .file = name != NULL ? name : "<memory>",
                          .error = error};
    return pnml_run(&reader);
}

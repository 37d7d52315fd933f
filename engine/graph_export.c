/*
 * graph_export.c — reachability graphs drawn with Graphviz (graph_export.h).
 *
 * Two parts.  The first is a thin layer over Graphviz's cgraph and gvc
 * libraries: choose the format from the file name, build a graph through a
 * caller's function, lay it out, write it.  Graphviz reports problems by
 * printing them, through a process-wide error function and threshold; the
 * layer installs its own function for the duration of one drawing, keeps
 * the text, and restores what was there before.  Because that state is
 * global, and Graphviz is not reentrant anyway, one mutex covers every
 * drawing.
 *
 * The second part is the reachability graph.  explore_run() walks the state
 * space and reports, through its hooks, every expanded state (dead or not,
 * final or not) and every edge.  The hooks only record; the states' vectors
 * stay in the explorer's result, read back by id once the walk is over.
 * Then the graph is renumbered so that the output does not depend on the
 * explorer's order: states are ranked by their vectors, each state's edges
 * sorted by (transition, successor rank), and a breadth-first walk from the
 * initial state over those sorted edges numbers the states s0, s1, ...
 */
#include "graph_export.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cgraph.h>
#include <gvc.h>

/* Markings wider than this many characters wrap onto a new line. */
#define GRAPH_EXPORT_LABEL_COLUMNS 24

/* UTF-8 spelled out as bytes, whatever the compiler's source charset. */
#define GRAPH_EXPORT_TIMES "\xc3\x97"      /* U+00D7 multiplication sign */
#define GRAPH_EXPORT_EMPTY "\xe2\x88\x85"  /* U+2205 empty set */
#define GRAPH_EXPORT_DASH  "\xe2\x80\x94"  /* U+2014 em dash */

#define GRAPH_EXPORT_FONT "Helvetica"
#define GRAPH_EXPORT_DEADLOCK_FILL "#ff8a8a"
#define GRAPH_EXPORT_DEADLOCK_LINE "#c00000"
#define GRAPH_EXPORT_FINAL_FILL "#9be39b"
#define GRAPH_EXPORT_FINAL_LINE "#1a7f1a"

/* ---- Graphviz: format, errors, drawing ---------------------------------- */

static const struct {
    const char *extension;
    graph_export_format format;
    const char *renderer;        /* gvRender's format name */
} graph_export_formats[] = {
    {"dot", GRAPH_EXPORT_DOT, NULL},
    {"gv", GRAPH_EXPORT_DOT, NULL},
    {"svg", GRAPH_EXPORT_SVG, "svg"},
    {"png", GRAPH_EXPORT_PNG, "png"},
    {"pdf", GRAPH_EXPORT_PDF, "pdf"},
};

#define GRAPH_EXPORT_FORMAT_COUNT \
    (sizeof graph_export_formats / sizeof graph_export_formats[0])

pnsim_status graph_export_format_from_path(const char *file_name,
                                           graph_export_format *format,
                                           pnsim_error *error)
{
    if (file_name == NULL || file_name[0] == '\0')
        return pnsim_error_set(error, PNSIM_ERR_USAGE,
                               "no output file given for the graph");
    const char *base = strrchr(file_name, '/');
    base = base != NULL ? base + 1 : file_name;
    const char *dot = strrchr(base, '.');
    if (dot != NULL && dot != base) {
        for (size_t i = 0; i < GRAPH_EXPORT_FORMAT_COUNT; i++) {
            if (strcasecmp(dot + 1, graph_export_formats[i].extension) == 0) {
                *format = graph_export_formats[i].format;
                return PNSIM_OK;
            }
        }
    }
    return pnsim_error_set(error, PNSIM_ERR_USAGE,
                           "cannot tell the graph format of '%s' from its "
                           "extension: use .dot, .gv, .svg, .png or .pdf",
                           file_name);
}

static const char *graph_export_renderer(graph_export_format format)
{
    for (size_t i = 0; i < GRAPH_EXPORT_FORMAT_COUNT; i++)
        if (graph_export_formats[i].format == format)
            return graph_export_formats[i].renderer;
    return NULL;
}

static pthread_mutex_t graph_export_lock = PTHREAD_MUTEX_INITIALIZER;

/* What Graphviz said during the current drawing (guarded by the lock).  It
 * hands over a message in pieces ("Error", ": ", the text), so they are
 * concatenated; when the buffer is full the rest is dropped. */
static char graph_export_messages[1024];
static size_t graph_export_messages_length;

static int graph_export_capture(char *piece)
{
    size_t room = sizeof graph_export_messages - 1 -
                  graph_export_messages_length;
    size_t length = strlen(piece);
    if (length > room)
        length = room;
    memcpy(graph_export_messages + graph_export_messages_length, piece,
           length);
    graph_export_messages_length += length;
    graph_export_messages[graph_export_messages_length] = '\0';
    return 0;
}

/* Graphviz's messages so far, on one line, or a stand-in when it gave none. */
static const char *graph_export_graphviz_said(void)
{
    char *text = graph_export_messages;
    size_t length = graph_export_messages_length;
    for (size_t i = 0; i < length; i++)
        if (text[i] == '\n' || text[i] == '\r' || text[i] == '\t')
            text[i] = ' ';
    while (length > 0 && text[length - 1] == ' ')
        text[--length] = '\0';
    return length > 0 ? text : "no message";
}

/* The previous error settings, restored when a drawing ends. */
typedef struct graph_export_session {
    agusererrf previous_function;
    agerrlevel_t previous_level;
} graph_export_session;

static void graph_export_session_begin(graph_export_session *session)
{
    pthread_mutex_lock(&graph_export_lock);
    graph_export_messages[0] = '\0';
    graph_export_messages_length = 0;
    /* With a user function installed, every message at or above the
     * threshold goes to it instead of stderr: warnings included. */
    session->previous_function = agseterrf(graph_export_capture);
    session->previous_level = agseterr(AGWARN);
}

static void graph_export_session_end(const graph_export_session *session)
{
    agseterr(session->previous_level);
    agseterrf(session->previous_function);
    pthread_mutex_unlock(&graph_export_lock);
}

int graph_export_set(void *object, const char *attribute, const char *value)
{
    /* Graphviz 2.x declares these parameters `char *` although it only
     * copies the strings; the casts bridge that, not a modification. */
    return agsafeset(object, (char *)attribute, (char *)value, "") == 0 ? 0
                                                                        : -1;
}

/* Writes the graph as DOT source, without layout. */
static pnsim_status graph_export_write_dot(Agraph_t *graph, FILE *file,
                                           const char *file_name,
                                           pnsim_error *error)
{
    if (agwrite(graph, file) == EOF || ferror(file))
        return pnsim_error_set(error, PNSIM_ERR_IO, "cannot write '%s': %s",
                               file_name, strerror(errno));
    return PNSIM_OK;
}

/*
 * The Graphviz context, created on first use and kept for the life of the
 * process (guarded by the lock).  Creating one loads the plugins, so reuse
 * is cheaper; it is also necessary: Graphviz 2.43's pango text layout keeps,
 * across contexts, a pointer to the last font name in the context's font
 * table, and reads freed memory once that context is gone.  The context
 * stays reachable through this pointer, so leak checkers do not count it.
 */
static GVC_t *graph_export_context;

/* Lays the graph out and renders it with Graphviz. */
static pnsim_status graph_export_write_picture(Agraph_t *graph, FILE *file,
                                               const char *layout,
                                               const char *renderer,
                                               const char *file_name,
                                               pnsim_error *error)
{
    if (graph_export_context == NULL)
        graph_export_context = gvContext();
    GVC_t *context = graph_export_context;
    if (context == NULL)
        return pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                               "Graphviz could not start: %s",
                               graph_export_graphviz_said());
    if (gvLayout(context, graph, layout) != 0)
        return pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                               "Graphviz could not lay out '%s' with '%s': "
                               "%s", file_name, layout,
                               graph_export_graphviz_said());
    pnsim_status status = PNSIM_OK;
    if (gvRender(context, graph, renderer, file) != 0)
        status = pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                                 "Graphviz could not render '%s' as %s: %s",
                                 file_name, renderer,
                                 graph_export_graphviz_said());
    else if (ferror(file))
        status = pnsim_error_set(error, PNSIM_ERR_IO, "cannot write '%s': %s",
                                 file_name, strerror(errno));
    gvFreeLayout(context, graph);
    return status;
}

pnsim_status graph_export_draw(const char *name, const char *layout,
                               graph_export_build_fn build, void *context,
                               const char *output_path, pnsim_error *error)
{
    graph_export_format format;
    pnsim_status status = graph_export_format_from_path(output_path, &format,
                                                        error);
    if (status != PNSIM_OK)
        return status;

    if (layout == NULL)
        layout = "dot";
    graph_export_session session;
    graph_export_session_begin(&session);

    /* agopen copies the name; the cast is for Graphviz 2.x's `char *`. */
    Agraph_t *graph = agopen((char *)(name != NULL ? name : "pnsim"),
                             Agdirected, NULL);
    if (graph == NULL) {
        status = pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                 "Graphviz could not create a graph: %s",
                                 graph_export_graphviz_said());
        goto done;
    }
    status = build(context, graph, error);
    if (status != PNSIM_OK)
        goto done;
    /* Graphviz's PNG renderer (cairo) shrinks drawings wider or taller than
     * 32767 pixels and says so on stderr, beyond the reach of agseterrf.
     * Asking for at most 300 inches (28800 pixels at the default 96 dpi)
     * lets the layout shrink them instead, quietly. */
    if (format == GRAPH_EXPORT_PNG) {
        const char *size = agget(graph, "size");
        if ((size == NULL || size[0] == '\0') &&
            graph_export_set(graph, "size", "300,300") != 0) {
            status = pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                     "out of memory building the graph");
            goto done;
        }
    }

    /* The file is opened only once the graph is built, so that a failed
     * build leaves nothing behind. */
    FILE *file = fopen(output_path, "wb");
    if (file == NULL) {
        status = pnsim_error_set(error, PNSIM_ERR_IO, "cannot create '%s': %s",
                                 output_path, strerror(errno));
        goto done;
    }
    if (format == GRAPH_EXPORT_DOT)
        status = graph_export_write_dot(graph, file, output_path, error);
    else
        status = graph_export_write_picture(graph, file, layout,
                                            graph_export_renderer(format),
                                            output_path, error);
    if (fclose(file) != 0 && status == PNSIM_OK)
        status = pnsim_error_set(error, PNSIM_ERR_IO, "cannot write '%s': %s",
                                 output_path, strerror(errno));
    if (status != PNSIM_OK)
        remove(output_path);

done:
    if (graph != NULL)
        agclose(graph);
    graph_export_session_end(&session);
    return status;
}

/* ---- Label text --------------------------------------------------------- */

void graph_export_text_init(graph_export_text *text)
{
    memset(text, 0, sizeof *text);
}

void graph_export_text_free(graph_export_text *text)
{
    free(text->data);
    graph_export_text_init(text);
}

/* Empties `text` but keeps its buffer for the next label. */
static void graph_export_text_reset(graph_export_text *text)
{
    text->length = 0;
    text->line_columns = 0;
    if (text->data != NULL)
        text->data[0] = '\0';
}

/* Appends `length` bytes as they are (no escaping). */
static void graph_export_text_raw(graph_export_text *text, const char *bytes,
                                  size_t length)
{
    if (text->failed)
        return;
    if (text->length + length + 1 > text->capacity) {
        size_t capacity = text->capacity ? text->capacity * 2 : 64;
        while (capacity < text->length + length + 1)
            capacity *= 2;
        char *data = realloc(text->data, capacity);
        if (data == NULL) {
            text->failed = true;
            return;
        }
        text->data = data;
        text->capacity = capacity;
    }
    memcpy(text->data + text->length, bytes, length);
    text->length += length;
    text->data[text->length] = '\0';
}

/* Characters (not bytes) in UTF-8 `bytes`: every byte but continuations. */
static size_t graph_export_columns(const char *bytes)
{
    size_t columns = 0;
    for (; *bytes != '\0'; bytes++)
        if (((unsigned char)*bytes & 0xC0) != 0x80)
            columns++;
    return columns;
}

void graph_export_text_append(graph_export_text *text, const char *literal)
{
    const char *start = literal;
    for (const char *at = literal; *at != '\0'; at++) {
        if (*at == '\\') {
            graph_export_text_raw(text, start, (size_t)(at - start));
            graph_export_text_raw(text, "\\\\", 2);
            start = at + 1;
        }
    }
    graph_export_text_raw(text, start, strlen(start));
    text->line_columns += graph_export_columns(literal);
}

void graph_export_text_appendf(graph_export_text *text, const char *format,
                               ...)
{
    char small[128];
    va_list arguments;
    va_start(arguments, format);
    int length = vsnprintf(small, sizeof small, format, arguments);
    va_end(arguments);
    if (length < 0) {
        text->failed = true;
        return;
    }
    if ((size_t)length < sizeof small) {
        graph_export_text_append(text, small);
        return;
    }
    char *large = malloc((size_t)length + 1);
    if (large == NULL) {
        text->failed = true;
        return;
    }
    va_start(arguments, format);
    vsnprintf(large, (size_t)length + 1, format, arguments);
    va_end(arguments);
    graph_export_text_append(text, large);
    free(large);
}

void graph_export_text_break(graph_export_text *text)
{
    graph_export_text_raw(text, "\\n", 2);
    text->line_columns = 0;
}

const char *graph_export_text_get(const graph_export_text *text)
{
    return text->data != NULL ? text->data : "";
}

/* ---- The reachability graph --------------------------------------------- */

void graph_export_options_init(graph_export_options *options)
{
    memset(options, 0, sizeof *options);
    options->max_nodes = GRAPH_EXPORT_DEFAULT_MAX_NODES;
}

/* What the hooks learn about one state, indexed by the explorer's id. */
typedef struct graph_export_state {
    bool expanded;
    bool dead;
    bool final;
    uint64_t rank;               /* position in marking order */
    uint64_t number;             /* the output's s<number>; UINT64_MAX: none */
} graph_export_state;

typedef struct graph_export_edge {
    explore_state_id source, target;
    uint32_t transition;
    uint64_t target_rank;
} graph_export_edge;

/* Everything the hooks record.  The explorer does not promise to call its
 * hooks from one thread, so they take a lock. */
typedef struct graph_export_collector {
    pthread_mutex_t lock;
    graph_export_state *states;
    uint64_t state_count;        /* highest id seen + 1 */
    uint64_t state_capacity;
    graph_export_edge *edges;
    uint64_t edge_count, edge_capacity;
    bool failed;                 /* out of memory */
} graph_export_collector;

/* Makes room for state `id`; the new entries start zeroed. */
static int graph_export_reserve_state(graph_export_collector *collector,
                                      explore_state_id id)
{
    if (id < collector->state_count)
        return 0;
    if (id >= collector->state_capacity) {
        uint64_t capacity = collector->state_capacity
                                ? collector->state_capacity * 2 : 256;
        while (capacity <= id)
            capacity *= 2;
        graph_export_state *states =
            realloc(collector->states, capacity * sizeof *states);
        if (states == NULL)
            return -1;
        collector->states = states;
        collector->state_capacity = capacity;
    }
    memset(collector->states + collector->state_count, 0,
           (id + 1 - collector->state_count) * sizeof *collector->states);
    collector->state_count = id + 1;
    return 0;
}

static int graph_export_on_state(void *context, explore_state_id id,
                                 const model_value *state, uint64_t edge_count,
                                 bool is_final)
{
    (void)state;  /* read back from the explorer's result later */
    graph_export_collector *collector = context;
    pthread_mutex_lock(&collector->lock);
    int stop = graph_export_reserve_state(collector, id);
    if (stop == 0) {
        graph_export_state *info = &collector->states[id];
        info->expanded = true;
        info->dead = edge_count == 0;
        info->final = edge_count == 0 && is_final;
    } else {
        collector->failed = true;
    }
    pthread_mutex_unlock(&collector->lock);
    return stop;
}

static int graph_export_on_edge(void *context, explore_state_id source,
                                uint32_t transition, explore_state_id target)
{
    graph_export_collector *collector = context;
    int stop = 0;
    pthread_mutex_lock(&collector->lock);
    if (graph_export_reserve_state(collector,
                                   source > target ? source : target) != 0) {
        stop = -1;
    } else if (collector->edge_count == collector->edge_capacity) {
        uint64_t capacity = collector->edge_capacity
                                ? collector->edge_capacity * 2 : 256;
        graph_export_edge *edges =
            realloc(collector->edges, capacity * sizeof *edges);
        if (edges == NULL) {
            stop = -1;
        } else {
            collector->edges = edges;
            collector->edge_capacity = capacity;
        }
    }
    if (stop == 0)
        collector->edges[collector->edge_count++] = (graph_export_edge){
            .source = source, .target = target, .transition = transition,
        };
    else
        collector->failed = true;
    pthread_mutex_unlock(&collector->lock);
    return stop;
}

/* A state's vector, for ranking states in marking order. */
typedef struct graph_export_vector {
    const model_value *values;
    size_t length;
    explore_state_id id;
} graph_export_vector;

static int graph_export_compare_vectors(const void *left, const void *right)
{
    const graph_export_vector *a = left, *b = right;
    for (size_t i = 0; i < a->length; i++)
        if (a->values[i] != b->values[i])
            return a->values[i] < b->values[i] ? -1 : 1;
    return 0;
}

static int graph_export_compare_edges(const void *left, const void *right)
{
    const graph_export_edge *a = left, *b = right;
    if (a->source != b->source)
        return a->source < b->source ? -1 : 1;
    if (a->transition != b->transition)
        return a->transition < b->transition ? -1 : 1;
    if (a->target_rank != b->target_rank)
        return a->target_rank < b->target_rank ? -1 : 1;
    return 0;
}

/* The finished graph, in output order, handed to the build function. */
typedef struct graph_export_graph {
    const model *model;
    const explore_result *result;
    const graph_export_options *options;
    graph_export_collector *collector;
    uint64_t state_count;
    explore_state_id *order;     /* order[n]: the explorer's id of s<n> */
    uint64_t *first_edge;        /* edges of id i: [first_edge[i],
                                    first_edge[i + 1]) */
    uint64_t deadlocks, final_states;
} graph_export_graph;

/* Ranks the states, sorts the edges and numbers the states breadth-first
 * (see the header comment).  Fills graph->order and graph->first_edge. */
static pnsim_status graph_export_number(graph_export_graph *graph,
                                        pnsim_error *error)
{
    graph_export_collector *collector = graph->collector;
    uint64_t count = graph->state_count;
    /* One extra element: malloc(0) may return NULL. */
    graph_export_vector *vectors = malloc((count + 1) * sizeof *vectors);
    graph->order = malloc((count + 1) * sizeof *graph->order);
    graph->first_edge = calloc(count + 1, sizeof *graph->first_edge);
    if (vectors == NULL || graph->order == NULL || graph->first_edge == NULL) {
        free(vectors);
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory ordering the reachability "
                               "graph");
    }

    for (uint64_t id = 0; id < count; id++)
        vectors[id] = (graph_export_vector){
            .values = explore_result_state(graph->result, id),
            .length = graph->model->state_length,
            .id = id,
        };
    qsort(vectors, count, sizeof *vectors, graph_export_compare_vectors);
    for (uint64_t rank = 0; rank < count; rank++)
        collector->states[vectors[rank].id].rank = rank;
    free(vectors);

    for (uint64_t e = 0; e < collector->edge_count; e++)
        collector->edges[e].target_rank =
            collector->states[collector->edges[e].target].rank;
    if (collector->edge_count > 0)   /* qsort wants a non-null array */
        qsort(collector->edges, collector->edge_count,
              sizeof *collector->edges, graph_export_compare_edges);
    for (uint64_t e = 0; e < collector->edge_count; e++)
        graph->first_edge[collector->edges[e].source + 1]++;
    for (uint64_t id = 0; id < count; id++)
        graph->first_edge[id + 1] += graph->first_edge[id];

    for (uint64_t id = 0; id < count; id++)
        collector->states[id].number = UINT64_MAX;
    uint64_t numbered = 1;
    graph->order[0] = 0;             /* the initial state is id 0 */
    collector->states[0].number = 0;
    for (uint64_t next = 0; next < numbered; next++) {
        explore_state_id id = graph->order[next];
        for (uint64_t e = graph->first_edge[id]; e < graph->first_edge[id + 1];
             e++) {
            graph_export_state *target =
                &collector->states[collector->edges[e].target];
            if (target->number == UINT64_MAX) {
                target->number = numbered;
                graph->order[numbered++] = collector->edges[e].target;
            }
        }
    }
    if (numbered != count)
        return pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                               "%" PRIu64 " of %" PRIu64 " explored states "
                               "are not reachable in the collected graph",
                               count - numbered, count);
    return PNSIM_OK;
}

/* The compact marking: for token slots the marked places, "p" or "p×3"
 * ("∅" when none is marked); for control slots "name=value" for every
 * slot.  Items are joined by commas and wrapped at a comfortable width. */
static void graph_export_marking_label(const model *model,
                                       const model_value *state,
                                       graph_export_text *text)
{
    bool tokens = model->slot_kind == MODEL_SLOT_TOKENS;
    bool first = true;
    for (size_t i = 0; i < model->state_length; i++) {
        if (tokens && state[i] == 0)
            continue;
        char value[32];
        if (tokens && state[i] == 1)
            value[0] = '\0';
        else
            snprintf(value, sizeof value, "%s%" PRIu64,
                     tokens ? GRAPH_EXPORT_TIMES : "=", state[i]);
        size_t columns = graph_export_columns(model->slot_names[i]) +
                         graph_export_columns(value);
        if (!first) {
            graph_export_text_append(text, ",");
            if (text->line_columns + 1 + columns > GRAPH_EXPORT_LABEL_COLUMNS)
                graph_export_text_break(text);
            else
                graph_export_text_append(text, " ");
        }
        first = false;
        graph_export_text_append(text, model->slot_names[i]);
        graph_export_text_append(text, value);
    }
    if (first)
        graph_export_text_append(text, GRAPH_EXPORT_EMPTY);
}

static pnsim_status graph_export_nomem(pnsim_error *error)
{
    return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                           "out of memory building the graph: %s",
                           graph_export_graphviz_said());
}

/* graph_export_build_fn for the reachability graph. */
static pnsim_status graph_export_build_reachability(void *context,
                                                    Agraph_t *graph,
                                                    pnsim_error *error)
{
    graph_export_graph *reach = context;
    const model *model = reach->model;
    graph_export_collector *collector = reach->collector;

    graph_export_text title;
    graph_export_text_init(&title);
    graph_export_text_append(&title, model->name != NULL ? model->name
                                                         : "model");
    graph_export_text_appendf(&title, " " GRAPH_EXPORT_DASH " %" PRIu64
                              " state%s, %" PRIu64 " edge%s, %" PRIu64
                              " deadlock%s",
                              reach->state_count,
                              reach->state_count == 1 ? "" : "s",
                              collector->edge_count,
                              collector->edge_count == 1 ? "" : "s",
                              reach->deadlocks,
                              reach->deadlocks == 1 ? "" : "s");
    int failed = title.failed;
    failed |= graph_export_set(graph, "label", graph_export_text_get(&title));
    graph_export_text_free(&title);
    failed |= graph_export_set(graph, "labelloc", "t");
    failed |= graph_export_set(graph, "fontname", GRAPH_EXPORT_FONT);
    failed |= graph_export_set(graph, "fontsize", "12");
    failed |= graph_export_set(graph, "rankdir",
                               reach->options->left_to_right ? "LR" : "TB");
    failed |= graph_export_set(graph, "nodesep", "0.3");
    failed |= graph_export_set(graph, "ranksep", "0.45");
    /* Defaults shared by every node and edge, declared once. */
    failed |= agattr(graph, AGNODE, "shape", "box") == NULL;
    failed |= agattr(graph, AGNODE, "style", "rounded") == NULL;
    failed |= agattr(graph, AGNODE, "fontname", GRAPH_EXPORT_FONT) == NULL;
    failed |= agattr(graph, AGNODE, "fontsize", "11") == NULL;
    failed |= agattr(graph, AGNODE, "margin", "0.1,0.04") == NULL;
    failed |= agattr(graph, AGEDGE, "fontname", GRAPH_EXPORT_FONT) == NULL;
    failed |= agattr(graph, AGEDGE, "fontsize", "10") == NULL;
    failed |= agattr(graph, AGEDGE, "arrowsize", "0.7") == NULL;
    if (failed)
        return graph_export_nomem(error);

    Agnode_t **nodes = malloc(reach->state_count * sizeof *nodes);
    if (nodes == NULL)
        return graph_export_nomem(error);

    pnsim_status status = PNSIM_OK;
    graph_export_text label;
    graph_export_text_init(&label);
    for (uint64_t n = 0; n < reach->state_count && status == PNSIM_OK; n++) {
        explore_state_id id = reach->order[n];
        const graph_export_state *info = &collector->states[id];
        char name[32];
        snprintf(name, sizeof name, "s%" PRIu64, n);
        nodes[n] = agnode(graph, name, 1);
        graph_export_text_reset(&label);
        graph_export_marking_label(model,
                                   explore_result_state(reach->result, id),
                                   &label);
        failed = nodes[n] == NULL || label.failed;
        if (!failed)
            failed |= graph_export_set(nodes[n], "label",
                                       graph_export_text_get(&label));
        if (!failed && n == 0)
            failed |= graph_export_set(nodes[n], "penwidth", "2.5");
        if (!failed && info->dead && info->final) {
            failed |= graph_export_set(nodes[n], "style", "rounded,filled");
            failed |= graph_export_set(nodes[n], "fillcolor",
                                       GRAPH_EXPORT_FINAL_FILL);
            failed |= graph_export_set(nodes[n], "color",
                                       GRAPH_EXPORT_FINAL_LINE);
            failed |= graph_export_set(nodes[n], "peripheries", "2");
        } else if (!failed && info->dead) {
            failed |= graph_export_set(nodes[n], "style", "rounded,filled");
            failed |= graph_export_set(nodes[n], "fillcolor",
                                       GRAPH_EXPORT_DEADLOCK_FILL);
            failed |= graph_export_set(nodes[n], "color",
                                       GRAPH_EXPORT_DEADLOCK_LINE);
        }
        if (failed)
            status = graph_export_nomem(error);
    }
    graph_export_text_free(&label);

    /* The start arrow comes from an invisible point. */
    if (status == PNSIM_OK) {
        Agnode_t *start = agnode(graph, "start", 1);
        Agedge_t *arrow = start != NULL
                              ? agedge(graph, start, nodes[0], NULL, 1)
                              : NULL;
        failed = arrow == NULL;
        if (!failed) {
            failed |= graph_export_set(start, "shape", "point");
            failed |= graph_export_set(start, "style", "invis");
            failed |= graph_export_set(start, "label", "");
            failed |= graph_export_set(arrow, "penwidth", "1.5");
        }
        if (failed)
            status = graph_export_nomem(error);
    }

    graph_export_text edge_label;
    graph_export_text_init(&edge_label);
    for (uint64_t n = 0; n < reach->state_count && status == PNSIM_OK; n++) {
        explore_state_id id = reach->order[n];
        for (uint64_t e = reach->first_edge[id];
             e < reach->first_edge[id + 1] && status == PNSIM_OK; e++) {
            const graph_export_edge *edge = &collector->edges[e];
            Agnode_t *target = nodes[collector->states[edge->target].number];
            /* No name: a multigraph keeps parallel edges apart. */
            Agedge_t *arc = agedge(graph, nodes[n], target, NULL, 1);
            graph_export_text_reset(&edge_label);
            const model_transition *fired =
                &model->transitions[edge->transition];
            graph_export_text_append(&edge_label, fired->name);
            if (arc == NULL || edge_label.failed ||
                graph_export_set(arc, "label",
                                 graph_export_text_get(&edge_label)) != 0)
                status = graph_export_nomem(error);
        }
    }
    graph_export_text_free(&edge_label);
    free(nodes);
    return status;
}

/* Turns an exploration that did not complete into the export's error. */
static pnsim_status graph_export_incomplete(explore_outcome outcome,
                                            const explore_stats *stats,
                                            const graph_export_collector *c,
                                            uint64_t max_nodes,
                                            pnsim_error *error)
{
    if (c->failed)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory collecting the reachability "
                               "graph");
    switch (outcome) {
    case EXPLORE_LIMIT_STATES:
        return pnsim_error_set(error, PNSIM_ERR_USAGE,
                               "the reachability graph has more than %" PRIu64
                               " states; raise --max-nodes or use statespace",
                               max_nodes);
    case EXPLORE_INTERRUPTED:
        return pnsim_error_set(error, PNSIM_ERR_USAGE,
                               "interrupted after %" PRIu64 " states; the "
                               "graph was not written", stats->states);
    case EXPLORE_FAILED:
    case EXPLORE_LIMIT_MEMORY:
        /* The explorer has said why. */
        if (error != NULL && error->status != PNSIM_OK)
            return error->status;
        return pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                               "the exploration failed (%s)",
                               explore_outcome_name(outcome));
    default:
        return pnsim_error_set(error, PNSIM_ERR_USAGE,
                               "the exploration stopped early (%s); the "
                               "graph was not written",
                               explore_outcome_name(outcome));
    }
}

pnsim_status graph_export_reachability(const model *model,
                                       const graph_export_options *options,
                                       const char *output_path,
                                       pnsim_error *error)
{
    graph_export_options defaults;
    if (options == NULL) {
        graph_export_options_init(&defaults);
        options = &defaults;
    }
    pnsim_error scratch;
    if (error == NULL)
        error = &scratch;   /* the explorer's error is read back below */
    pnsim_error_clear(error);
    if (options->summary != NULL) {
        memset(options->summary, 0, sizeof *options->summary);
        options->summary->outcome = EXPLORE_FAILED;
    }

    /* A bad file name is found before any exploring. */
    graph_export_format format;
    pnsim_status status = graph_export_format_from_path(output_path, &format,
                                                        error);
    if (status != PNSIM_OK)
        return status;

    graph_export_collector collector = {0};
    if (pthread_mutex_init(&collector.lock, NULL) != 0)
        return pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                               "cannot create a mutex");

    explore_options explore;
    explore_options_init(&explore);
    /* One state more than allowed: reaching it proves the graph too big. */
    explore.max_states = options->max_nodes == 0 ||
                                 options->max_nodes == UINT64_MAX
                             ? 0 : options->max_nodes + 1;
    explore.interrupt = options->interrupt;
    explore.final = options->final;
    explore.threads = options->threads;
    explore.on_state = graph_export_on_state;
    explore.on_edge = graph_export_on_edge;
    explore.hook_context = &collector;

    graph_export_graph graph = {
        .model = model, .options = options, .collector = &collector,
    };
    explore_result *result = explore_run(model, &explore, error);
    if (result == NULL) {
        status = error->status != PNSIM_OK ? error->status : PNSIM_ERR_NOMEM;
        goto done;
    }
    graph.result = result;
    const explore_stats *stats = explore_result_stats(result);
    explore_outcome outcome = explore_result_outcome(result);
    if (options->summary != NULL) {
        options->summary->outcome = outcome;
        options->summary->states = stats->states;
        options->summary->edges = stats->edges;
        options->summary->deadlocks = stats->dead_nonfinal;
        options->summary->final_states = stats->dead_final;
    }
    if (outcome == EXPLORE_COMPLETE && options->max_nodes != 0 &&
        stats->states > options->max_nodes)
        outcome = EXPLORE_LIMIT_STATES;
    if (outcome != EXPLORE_COMPLETE || collector.failed) {
        status = graph_export_incomplete(outcome, stats, &collector,
                                         options->max_nodes, error);
        goto done;
    }

    /* Every explored state must have been reported expanded. */
    graph.state_count = stats->states;
    if (collector.state_count != graph.state_count) {
        status = pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                                 "the explorer reported %" PRIu64 " states "
                                 "but the hooks saw %" PRIu64,
                                 graph.state_count, collector.state_count);
        goto done;
    }
    for (uint64_t id = 0; id < graph.state_count; id++) {
        const graph_export_state *info = &collector.states[id];
        if (!info->expanded) {
            status = pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                                     "state %" PRIu64 " was never expanded",
                                     id);
            goto done;
        }
        if (info->dead && info->final)
            graph.final_states++;
        else if (info->dead)
            graph.deadlocks++;
    }

    status = graph_export_number(&graph, error);
    if (status != PNSIM_OK)
        goto done;
    status = graph_export_draw(model->name, "dot",
                               graph_export_build_reachability, &graph,
                               output_path, error);

done:
    explore_result_free(result);
    free(graph.order);
    free(graph.first_edge);
    free(collector.states);
    free(collector.edges);
    pthread_mutex_destroy(&collector.lock);
    return status;
}

/*
 * graph_export.h — pictures of a model's reachability graph, with Graphviz.
 *
 * graph_export_reachability() explores a model (explore.h) and draws every
 * reachable state as a node labelled with its compact marking and every
 * (state, transition, successor) edge as an arrow labelled with the
 * transition's name.  The initial state has a bold border and a start arrow,
 * deadlocks are filled red and intended final dead states green, so the
 * picture answers at a glance "where can this design get stuck?".
 *
 * A picture is only readable while it is small, so the export refuses state
 * spaces above a node limit (2000 by default) rather than spend minutes in
 * the layout and produce an unreadable poster; `pnsim statespace` is the tool
 * for large ones.
 *
 * Output format.  The output file's extension chooses it: .dot or .gv
 * (Graphviz source, written without layout), .svg, .png or .pdf (laid out
 * with Graphviz's dot).  Any other extension is a usage error.
 *
 * Determinism.  The same model gives the same file, byte for byte, whatever
 * the thread count: states are numbered by a breadth-first walk of the
 * finished graph that takes each state's edges in order of transition and
 * successor marking, not in the order the explorer happened to meet them.
 *
 * Graphviz.  The second half of this header is the small Graphviz toolkit
 * that the front ends' own drawings (such as pn_draw for Petri nets) share:
 * choosing the format, building a graph, laying it out and writing the file,
 * with Graphviz's own messages kept off stderr and turned into pnsim_error.
 * Graphviz keeps global state and is not thread-safe, so every drawing goes
 * through one lock: drawings from several threads are serialised.
 */
#ifndef PNSIM_GRAPH_EXPORT_H
#define PNSIM_GRAPH_EXPORT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "explore.h"
#include "model.h"
#include "predicate.h"

#define GRAPH_EXPORT_DEFAULT_MAX_NODES 2000

/* What was drawn, for the caller's report ("wrote g.svg: 12 states"). */
typedef struct graph_export_summary {
    uint64_t states;
    uint64_t edges;
    uint64_t deadlocks;          /* dead states that are not final */
    uint64_t final_states;       /* dead states that are intended ends */
    explore_outcome outcome;     /* how the exploration ended */
} graph_export_summary;

typedef struct graph_export_options {
    uint64_t max_nodes;          /* refuse larger state spaces; 0: no limit */
    const state_predicate *final;/* intended final states; NULL: the
                                    model's own is_final */
    unsigned threads;            /* exploration threads; 0: all cores */
    volatile sig_atomic_t *interrupt; /* raised (nonzero) to stop; may be
                                    NULL */
    bool left_to_right;          /* rankdir=LR instead of top to bottom */
    graph_export_summary *summary; /* filled in when not NULL, also on
                                    failure (as far as known) */
} graph_export_options;

/* Fills `options` with the defaults: 2000 nodes, the model's own final
 * states, all cores, no interrupt flag, top to bottom, no summary. */
void graph_export_options_init(graph_export_options *options);

/*
 * Draws the reachability graph of `model` into the file `output_path`.
 * `options` may be NULL for the defaults.  Fails with PNSIM_ERR_USAGE for an
 * output extension it cannot write, for a state space above max_nodes (the
 * message names --max-nodes) and when the interrupt flag stops the
 * exploration (summary->outcome is then EXPLORE_INTERRUPTED); with the
 * explorer's error when the model fails; with PNSIM_ERR_IO when the file
 * cannot be written; with PNSIM_ERR_INTERNAL when Graphviz fails.  No file is
 * left behind on failure.
 */
pnsim_status graph_export_reachability(const model *model,
                                       const graph_export_options *options,
                                       const char *output_path,
                                       pnsim_error *error);

/* ---- The shared Graphviz toolkit ---------------------------------------- */

typedef enum graph_export_format {
    GRAPH_EXPORT_DOT,            /* .dot, .gv: Graphviz source */
    GRAPH_EXPORT_SVG,
    GRAPH_EXPORT_PNG,
    GRAPH_EXPORT_PDF
} graph_export_format;

/* The format for `file_name`'s extension (case-insensitive), or
 * PNSIM_ERR_USAGE naming the extensions pnsim can write. */
pnsim_status graph_export_format_from_path(const char *file_name,
                                           graph_export_format *format,
                                           pnsim_error *error);

/* Graphviz's graph type, declared here so that engine users need not include
 * Graphviz's headers; builders include <cgraph.h> and use Agraph_t. */
struct Agraph_s;

/* Fills an empty directed graph with nodes, edges and attributes.  Returns
 * PNSIM_OK, or a failure with `error` set. */
typedef pnsim_status (*graph_export_build_fn)(void *context,
                                              struct Agraph_s *graph,
                                              pnsim_error *error);

/*
 * Creates a directed multigraph called `name`, lets `build` fill it, then
 * writes it to `output_path` in the format its extension names: DOT source
 * as built, or laid out by Graphviz's `layout` engine ("dot"; "nop" keeps
 * the positions given in pos attributes, in points) and rendered.  Graphviz
 * messages never reach stderr: a Graphviz failure becomes
 * PNSIM_ERR_INTERNAL with Graphviz's message.  A file that fails midway is
 * removed.
 */
pnsim_status graph_export_draw(const char *name, const char *layout,
                               graph_export_build_fn build, void *context,
                               const char *output_path, pnsim_error *error);

/* Sets attribute `attribute` of a graph, node or edge to `value`, declaring
 * the attribute with an empty default when it is new.  Returns 0, or -1 when
 * Graphviz fails (out of memory). */
int graph_export_set(void *object, const char *attribute, const char *value);

/*
 * Text to show in a label, built piece by piece.  Graphviz reads backslash
 * sequences in labels (\N for the node name, \n for a line break), so names
 * are appended with their backslashes doubled and shown as written; line
 * breaks are added on purpose with graph_export_text_break.
 */
typedef struct graph_export_text {
    char *data;                  /* NUL-terminated; NULL while empty */
    size_t length, capacity;
    size_t line_columns;         /* characters on the current line */
    bool failed;                 /* an allocation failed: data is partial */
} graph_export_text;

void graph_export_text_init(graph_export_text *text);
void graph_export_text_free(graph_export_text *text);
/* Appends `literal` shown as written (backslashes escaped). */
void graph_export_text_append(graph_export_text *text, const char *literal);
/* Appends a formatted piece, escaped in the same way. */
void graph_export_text_appendf(graph_export_text *text, const char *format,
                               ...) __attribute__((format(printf, 2, 3)));
/* Starts a new line (centred, like the rest of the label). */
void graph_export_text_break(graph_export_text *text);
/* The text so far ("" when empty); valid until the next change. */
const char *graph_export_text_get(const graph_export_text *text);

#endif

/*
 * msc.h — a run of a model drawn as a message sequence chart (Graphviz).
 *
 * The chart has one lifeline per component (a thread, a process) running
 * top to bottom, and one row per step of the run, in time order:
 *
 *   - a step that one component takes alone is a box on its lifeline,
 *     labelled with the transition's event (or name);
 *   - a step that several components take together (a CSP
 *     synchronisation) is an arrow from the first component taking part to
 *     each of the others, labelled above the arrow;
 *   - on a model whose slots count tokens, when the caller passes the
 *     run's states, a step that takes a token another lifeline's step put
 *     there gets a thin dotted arrow from that step (the message it
 *     receives: a result set, a fork put down, a reply sent);
 *   - the end is marked below the last step: a red box for a deadlock, and
 *     for a race the two transitions enabled together (orange boxes on their
 *     lifelines) and the resource; divergence, unboundedness and other
 *     violations get a note.
 *
 * Lifelines.  They are the model's components (model.component_names:
 * for CSP the leaf processes, for a Petri net the threads its transitions
 * declare or their names imply); a model without components gets one
 * lifeline.  Every lifeline is shown, in the order of the components,
 * unless there are more than MSC_MAX_LIFELINES: then only the lifelines
 * that take part in the run or in the marked transitions are.  When a component name is
 * longer than 24 characters or not unique (CSP names a leaf process by its
 * text), lifelines are numbered and long names cut: "0: pickup.i.left(i)…".
 *
 * The layout is computed here (Graphviz's "nop" engine only draws it), so
 * the same chart gives the same file byte for byte.  Output formats as
 * graph_export_draw: .dot, .gv, .svg, .png, .pdf.
 */
#ifndef PNSIM_MSC_H
#define PNSIM_MSC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "model.h"

#define MSC_MAX_LIFELINES 16
#define MSC_NO_TRANSITION UINT32_MAX

/* How the run ends. */
typedef enum msc_ending {
    MSC_END_NONE = 0,     /* a plain run */
    MSC_END_DEADLOCK,     /* no step is possible, and it is not an end */
    MSC_END_RACE,         /* `marked` are enabled together on a resource */
    MSC_END_DIVERGENCE,   /* an endless run of internal steps follows */
    MSC_END_UNBOUNDED,    /* the run pumps: it can repeat and grow a slot */
    MSC_END_VIOLATION     /* another property fails (`note` says which) */
} msc_ending;

/* One step of the run. */
typedef struct msc_step {
    uint32_t transition;  /* index into model.transitions, or
                             MSC_NO_TRANSITION for an event the model cannot
                             attribute (drawn on no lifeline) */
    const char *label;    /* NULL: the transition's event, else its name */
} msc_step;

typedef struct msc_chart {
    const char *title;              /* NULL: the model's name */
    size_t step_count;
    const msc_step *steps;
    /* NULL, or step_count + 1 states: states[i] before step i, the last
     * after the run; used for the token arrows of a token model */
    const model_value *const *states;
    msc_ending ending;
    const char *note;               /* words for the end marker; may be NULL */
    size_t marked_count;            /* the race's transitions */
    const uint32_t *marked;
} msc_chart;

/* What a chart shows, for the caller's report and for tests. */
typedef struct msc_summary {
    size_t lifelines;               /* lifelines drawn */
    size_t steps;                   /* step rows drawn */
    size_t arrows;                  /* synchronisation and token arrows */
} msc_summary;

/*
 * Draws `chart` of `model` into `output_path` (format by extension).  Fills
 * `summary` when not NULL.  Fails with PNSIM_ERR_USAGE for an unknown
 * extension or a transition index out of range, PNSIM_ERR_NOMEM, or the
 * errors of graph_export_draw; no file is left behind on failure.
 */
pnsim_status msc_draw(const model *model, const msc_chart *chart,
                      const char *output_path, msc_summary *summary,
                      pnsim_error *error);

#endif

/*
 * pn_net.h — a place/transition net as the PNML front end reads it.
 *
 * pn_net is the parsed net, close to the file: places, transitions and arcs
 * with their ids, names, weights and positions.  pnml_read() builds it from a
 * PNML file; pn_net_model() compiles it into the model interface (model.h)
 * with sparse per-transition arc lists for fast successor generation.
 *
 * Arcs.  A normal arc place->transition consumes `weight` tokens; a normal
 * arc transition->place produces `weight` tokens.  A read (test) arc
 * place->transition needs at least `weight` tokens and leaves them.  An
 * inhibitor arc place->transition disables the transition while the place
 * holds `weight` tokens or more.  Read and inhibitor arcs always go from a
 * place to a transition.
 *
 * Ownership.  pnml_read() returns a net the caller owns (pn_net_free).
 * All strings inside belong to the net.
 */
#ifndef PNSIM_PN_NET_H
#define PNSIM_PN_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../engine/error.h"
#include "../../engine/model.h"

typedef enum pn_arc_kind {
    PN_ARC_NORMAL,
    PN_ARC_READ,
    PN_ARC_INHIBITOR
} pn_arc_kind;

typedef struct pn_position {
    bool known;           /* the file gave <graphics><position> */
    double x, y;
} pn_position;

typedef struct pn_place {
    char *id;
    char *name;           /* the <name><text>, or a copy of id */
    uint64_t initial;     /* initial marking */
    pn_position position;
    bool final;           /* <toolspecific tool="pnsim"><final/> */
    bool shared;          /* <toolspecific tool="pnsim"><shared/> */
} pn_place;

typedef struct pn_transition {
    char *id;
    char *name;           /* the <name><text>, or a copy of id */
    pn_position position;
    double rate;          /* <toolspecific tool="pnsim"><rate>; 1 if absent,
                             INFINITY for "inf" (immediate) */
    char *component;      /* <toolspecific tool="pnsim"><component>: the
                             thread or process it belongs to; NULL if absent */
} pn_transition;

typedef struct pn_arc {
    char *id;
    uint32_t place;       /* index into places */
    uint32_t transition;  /* index into transitions */
    bool to_transition;   /* true: place -> transition; false: t -> p */
    pn_arc_kind kind;
    uint64_t weight;      /* >= 1 */
} pn_arc;

typedef struct pn_net {
    char *id;
    char *name;           /* the net's <name><text>, or its id */
    char *file;           /* the path it was read from */

    size_t place_count, transition_count, arc_count;
    pn_place *places;
    pn_transition *transitions;
    pn_arc *arcs;

    size_t page_count;    /* <page> elements, nested ones included */
    bool nupn_safe;       /* NUPN toolspecific says safe="true" */
    size_t nupn_units;    /* NUPN unit count; 0 when absent */
} pn_net;

/*
 * Reads a P/T net from the PNML file at `path`.  Returns the net (caller
 * frees with pn_net_free) or NULL with `error` naming file, line and column.
 * Coloured nets (symmetricnet) give PNSIM_ERR_UNSUPPORTED.  Never touches
 * the network and never expands entities.
 */
pn_net *pnml_read(const char *path, pnsim_error *error);

/* Same, from `size` bytes in memory; `name` stands for the file name in
 * error messages. */
pn_net *pnml_read_memory(const char *data, size_t size, const char *name,
                         pnsim_error *error);

void pn_net_free(pn_net *net);

/* Index of the place with this id, or failing that this name; -1 if none. */
long pn_net_find_place(const pn_net *net, const char *id_or_name);

/*
 * Compiles `net` into a model (model.h).  Slots are places (named by their
 * names), transitions keep their names, and a dead marking is final when it
 * puts a token on a place marked <final/>.  Shared places become resources:
 * a transition reads one it tests (read arc, or equal consume and produce
 * weights) and writes one whose marking it changes; a transition's control
 * inputs (model_transition.consumes) are the other places it consumes
 * from.  The model is monotone when the net has no inhibitor arc.  The
 * model copies what it needs: the net may be freed afterwards.  Returns NULL with `error` set
 * on failure (out of memory).  Caller owns the model (model_destroy).
 */
model *pn_net_model(const pn_net *net, pnsim_error *error);

/* Sets of places of which exactly one holds a token, and only one, in
 * every reachable marking: set k is places[start[k] .. start[k + 1] - 1],
 * in place order. */
typedef struct pn_exclusive_sets {
    size_t count;
    size_t *start;           /* count + 1 offsets */
    uint32_t *places;
} pn_exclusive_sets;

/*
 * Writes into `bounds` (place_count entries) the most tokens each place can
 * hold in any reachable marking, as P-semiflows prove it (pn_bounds.c),
 * or 1 everywhere when the NUPN toolspecific declares the net safe;
 * UINT64_MAX where nothing is proved.  When `sets` is not NULL, also fills
 * it with the exclusive sets the semiflows prove; the caller owns them
 * (pn_exclusive_sets_free).  When the semiflows are too many to compute,
 * those found before stopping still count.  Returns false when no
 * semiflow was found and the net is not declared safe (every bound is
 * then UINT64_MAX).
 */
bool pn_net_place_bounds(const pn_net *net, model_value *bounds,
                         pn_exclusive_sets *sets);

void pn_exclusive_sets_free(pn_exclusive_sets *sets);

/* Structural facts that are cheap to compute, for `pnsim info`. */
typedef struct pn_net_facts {
    size_t normal_arcs, read_arcs, inhibitor_arcs;
    uint64_t max_weight;              /* largest arc weight */
    uint64_t initial_tokens;          /* total tokens initially (saturating) */
    uint64_t max_initial;             /* largest initial marking */
    size_t source_transitions;        /* no input place: always enabled */
    size_t sink_transitions;          /* no output place */
    size_t isolated_places;           /* no arc at all */
    bool ordinary;                    /* every weight is 1 */
    bool state_machine;               /* every t: one input, one output */
    bool marked_graph;                /* every p: one input, one output */
    bool free_choice;                 /* shared inputs imply equal presets */
    bool conservative;                /* every t consumes as many as it makes */
    size_t final_places, shared_places;
} pn_net_facts;

void pn_net_compute_facts(const pn_net *net, pn_net_facts *facts);

#endif

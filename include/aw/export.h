/*
 * export.h - `alphawrite export`: a run as training data, in the JSON Lines
 * shapes Hugging Face TRL's trainers read as they are.
 *
 *   --format sft   one line per selected story (each generation's top K):
 *                  {"messages": [{"role": "user", "content": <the writer
 *                  prompt as it was sent>}, {"role": "assistant", "content":
 *                  <the story>}], "id", "generation", "rating"}
 *   --format dpo   preference pairs: {"prompt": [user: <the premise>],
 *                  "chosen": [assistant: ...], "rejected": [...],
 *                  "chosen_id", "rejected_id", "margin", "weight",
 *                  "deviation", "generation"}
 *
 * The writer prompt is rebuilt from the run's inputs/ and settings by the
 * writer's own functions (writer_prompt_draft, writer_prompt_variant), so
 * it is the prompt the endpoint received, byte for byte.
 *
 * A preference pair's prompt is the premise (the run's prompt.txt): both
 * stories answer it, while each writer prompt also carried its own style,
 * theme, goal or parent, which were means of exploring, not the task.  The
 * pairs come from the Bradley-Terry fit over every verdict of the run
 * (bt.h): within a generation, each story is paired with the stories it
 * beats with probability at least --min-margin, the --pairs closest of
 * them, so that a run yields at most pairs x stories pairs, not a quadratic
 * number, and the hardest pairs that still separate clearly.  A pair is
 * exported once, in the first generation that yields it.  Its weight is the
 * chosen story's deviation as in deviation-weighted DPO (arXiv 2503.17126):
 * d, the story's deviation (diversity.h; from the generation file, else
 * computed) min-max scaled within its generation to [-1, 1], and
 * w = (d + 1) / mean(d + 1) over the exported pairs, so the weights average 1.
 *
 * Ownership: export_pairs() returns an array the caller frees.
 */
#ifndef AW_EXPORT_H
#define AW_EXPORT_H

#include <stddef.h>

struct cli_command;

/* Run `alphawrite export` (argv[0] is "export"); returns the exit status. */
int export_main(int argc, char **argv);
/* Its option table (for the man page). */
extern const struct cli_command export_command;

/* ---------------------------------------------------- pure, for tests */

struct export_pair {
	size_t chosen;     /* index of the preferred story */
	size_t rejected;   /* index of the other */
	double margin;     /* P(chosen beats rejected) under the fit */
};

/* The pairs of one generation of n stories, indexed in its rank order,
 * with strengths theta (logits): each of the first chosen_max stories with
 * up to per_story stories it beats with probability >= min_margin, the
 * closest first (ties by index).  *out gets a malloc'd array (NULL for
 * none); returns how many. */
size_t export_pairs(const double *theta, size_t n, size_t chosen_max, double min_margin,
		    size_t per_story, struct export_pair **out);
/* raw[0..n) min-max scaled to [-1, 1] into out (all 0 when they are
 * equal). */
void export_scale(const double *raw, size_t n, double *out);
/* w[i] = (d[i] + 1) / mean(d + 1) (all 1 when that mean is 0). */
void export_weights(const double *d, size_t n, double *w);
/* Parse a --generations list ("0,2-4") of generations below ngen into
 * sel[0..ngen) (1: selected).  0, or -1 with the reason in err. */
int export_parse_generations(const char *list, int ngen, unsigned char *sel, char *err,
			     size_t errlen);

#endif

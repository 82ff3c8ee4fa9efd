/*
 * compare.h - `alphawrite compare`: judge two sets of stories head to head
 * and say how often set A's stories are preferred, with honest intervals;
 * and the report of such a comparison, which `rate` prints too.
 *
 *   alphawrite compare [options] SET_A SET_B
 *   alphawrite compare --verdicts FILE.jsonl
 *
 * N pairs (--pairs, each a story of A against one of B, spread evenly:
 * pairs.h) are judged by every --judge-model, each pair in both orders, so
 * that the judge's position bias cancels; the statistics come from
 * stats.h.  Every verdict is appended to a verdict file (vote.h) the
 * moment it arrives, and a verdict the file already holds - the same
 * judge, the same two texts in the same order, under the same prompt,
 * rubric and templates - is taken from it instead of asked again, so an
 * interrupted comparison run again pays for nothing twice, and B vs A
 * reuses every verdict of A vs B.  With --verdicts FILE it reports on
 * recorded verdicts (a judge's or people's, from `rate`) and asks nothing.
 *
 * Ownership: compare_report() only reads what it is given.
 */
#ifndef AW_COMPARE_H
#define AW_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include "aw/vote.h"

struct cli_command;
struct set;

/* Run `alphawrite compare` (argv[0] is "compare"); returns the exit status. */
int compare_main(int argc, char **argv);
/* Its option table (for the man page). */
const struct cli_command *compare_command(void);

/* The writing prompt of a comparison: --prompt TEXT, --prompt-file FILE
 * (at most one of them), else that of set a's run (sets_prompt()); none is
 * an error.  *out is malloc'd, without trailing white space.  0, or -1
 * with the reason in err. */
int compare_load_prompt(const char *prompt, const char *prompt_file, const struct set *a,
			char **out, char *err, size_t errlen);
/* The rubric: file, else the bundled rubrics/story.txt.  0, or -1. */
int compare_load_rubric(const char *file, char **out, char *err, size_t errlen);

/* What compare_report() says about the votes it is given. */
struct compare_input {
	const char *a_desc, *b_desc;    /* what each set is ("a", "b") */
	const char *a_label, *b_label;  /* short names for the summary line */
	const char *const *a_ids;       /* set A's stories, or NULL: those the
					 * votes name */
	size_t na;
	const char *const *b_ids;       /* set B's, likewise */
	size_t nb;
	const char *const *judges;      /* the judges in order, or NULL */
	size_t nj;
	long pairs_drawn;               /* pairs asked for, or -1 */
	long lost;                      /* verdicts that could not be had */
	uint64_t seed;                  /* seed of the bootstrap */
	const char *verdicts_path;      /* the verdict file, or NULL */
	const char *out;                /* --out FILE, or NULL */
	int quiet;                      /* no summary line */
};

/* Print the comparison of the votes: a JSON object on stdout (and written
 * atomically to in->out when set) and one summary line on stderr.  Returns
 * an exit status (AW_EXIT_USAGE when the votes do not fit the sets, with
 * the message printed). */
int compare_report(const struct vote_list *votes, const struct compare_input *in);

/* Can a file be written at path: its directory exists and is writable,
 * and path is not a directory?  0, or -1 with the reason in err. */
int compare_check_output(const char *path, char *err, size_t errlen);

#endif

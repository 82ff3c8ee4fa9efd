/*
 * store.c - the output directory: taking it, and writing and reading its
 * files (see store.h).  What the files hold is codec.c's business.
 */
#include "aw/store.h"
#include "aw/codec.h"
#include "aw/buf.h"
#include "aw/data.h"
#include "aw/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Create path and its missing parents.  When that fails, the directories
 * it created are removed again (errno is the failure's), so a refused
 * --out leaves nothing behind. */
static int mkdirs(const char *path)
{
	char *p = xstrdup(path);
	size_t n = strlen(p), made = 0;
	size_t *ends = xmalloc((n + 1) * sizeof *ends); /* where each new one ends */
	int rc = 0;
	for (size_t i = 1; i <= n && rc == 0; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		if (p[i - 1] == '/')
			continue; /* "a//b" */
		char c = p[i];
		p[i] = '\0';
		if (mkdir(p, 0777) == 0)
			ends[made++] = i;
		else if (errno != EEXIST)
			rc = -1;
		p[i] = c;
	}
	if (rc < 0) {
		int e = errno;
		while (made > 0) {
			p[ends[--made]] = '\0';
			rmdir(p);
		}
		errno = e;
	}
	free(ends);
	free(p);
	return rc;
}

/* A path the system could never create: say so before creating anything. */
static int path_too_long(const char *dir, char *err, size_t errlen)
{
	size_t len = strlen(dir), comp = 0;
	if (len >= PATH_MAX)
		return aw_fail(err, errlen, "output directory '%s' is %zu bytes long, more than "
			       "the system allows (%d)", dir, len, PATH_MAX - 1);
	for (const char *c = dir; *c; c++) {
		comp = *c == '/' ? 0 : comp + 1;
		if (comp > NAME_MAX)
			return aw_fail(err, errlen, "output directory '%s' has a name longer than %d "
				       "bytes between two slashes", dir, NAME_MAX);
	}
	return 0;
}

/* Is name ".<file>.tmp.<pid>", left by store_write_file for one of the
 * files a run writes?  Anything else that looks like it is the user's. */
static int is_our_tmp(const char *name)
{
	const char *t = strstr(name, ".tmp.");
	if (name[0] != '.' || !t || !t[5] || t[5 + strspn(t + 5, "0123456789")])
		return 0;
	char *base = xstrndup(name + 1, (size_t)(t - name - 1));
	int ours = codec_is_run_file(base);
	free(base);
	return ours;
}

/* Does DIR/inputs hold only files a run writes there? */
static int inputs_are_ours(const char *dir)
{
	char *sub = xasprintf("%s/%s", dir, CODEC_INPUTS);
	DIR *d = opendir(sub);
	int ours = d != NULL;
	free(sub);
	if (!d)
		return 0;
	struct dirent *e;
	while (ours && (e = readdir(d))) {
		int known = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || is_our_tmp(e->d_name);
		known = known || codec_is_input_file(e->d_name);
		ours = known;
	}
	closedir(d);
	return ours;
}

/* Remove the temporary files a killed run left in dir. */
static void remove_our_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (is_our_tmp(e->d_name))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

/* Remove DIR/inputs and the files in it. */
static int clear_inputs(const char *dir)
{
	char *sub = xasprintf("%s/%s", dir, CODEC_INPUTS);
	DIR *d = opendir(sub);
	int rc = 0;
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
			    unlinkat(dirfd(d), e->d_name, 0) < 0)
				rc = -1;
		closedir(d);
	}
	if (rc == 0 && rmdir(sub) < 0 && errno != ENOENT)
		rc = -1;
	free(sub);
	return rc;
}

/* What dir holds: refuse it unless it is empty (a new run) or holds a run
 * (resume).  *stale: it holds only an inputs/ that a run killed before its
 * run.json left, which a new run clears.  Nothing is changed here. */
static int inspect(const char *dir, int resume, int *stale, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	*stale = 0;
	if (!d)
		return aw_fail(err, errlen, "cannot open output directory '%s':", dir);
	struct dirent *e;
	int has_run = 0, other = 0, has_inputs = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!strcmp(e->d_name, CODEC_RUN))
			has_run = 1;
		else if (is_our_tmp(e->d_name))
			; /* left by a kill: removed once the directory is taken */
		else if (!strcmp(e->d_name, CODEC_INPUTS))
			has_inputs = 1;
		else
			other = 1;
	}
	closedir(d);
	/* Only inputs/, holding only what a run writes there: a run killed
	 * before its run.json was written.  Nothing of it was paid for, so a
	 * new run may take its place. */
	if (has_inputs && !has_run && !other && !resume) {
		if (!inputs_are_ours(dir))
			other = 1;
		else
			*stale = 1;
	}
	other |= has_inputs && !has_run && resume;
	if (has_run && !resume)
		return aw_fail(err, errlen,
			       "output directory '%s' already holds a run; continue it with "
			       "--resume '%s', or choose a new --out", dir, dir);
	if (!has_run && (other || resume))
		return aw_fail(err, errlen,
			       "%s '%s' is not empty and holds no run; choose a new or empty --out",
			       resume ? "directory" : "output directory", dir);
	return 0;
}

int store_check(const char *dir, int resume, char *err, size_t errlen)
{
	struct stat st;
	int stale;
	if (path_too_long(dir, err, errlen) < 0)
		return -1;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return aw_fail(err, errlen, "output '%s' exists and is not a directory", dir);
		if (inspect(dir, resume, &stale, err, errlen) < 0)
			return -1;
		if (access(dir, W_OK) < 0)
			return aw_fail(err, errlen, "cannot write to output directory '%s':", dir);
		return 0;
	}
	if (resume)
		return aw_fail(err, errlen, "cannot resume '%s':", dir);
	/* It would be made: its nearest existing ancestor must take it. */
	char *p = xstrdup(dir);
	int rc = 0;
	for (;;) {
		char *slash = strrchr(p, '/');
		while (slash && slash > p && slash[-1] == '/')
			slash--;
		if (!slash) {
			strcpy(p, ".");
		} else if (slash == p) {
			p[1] = '\0';
		} else {
			*slash = '\0';
		}
		if (stat(p, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				rc = aw_fail(err, errlen, "cannot create output directory '%s': '%s' "
					     "is not a directory", dir, p);
			else if (access(p, W_OK | X_OK) < 0)
				rc = aw_fail(err, errlen, "cannot create output directory '%s' in '%s':",
					     dir, p);
			break;
		}
		if (errno != ENOENT) {
			rc = aw_fail(err, errlen, "cannot create output directory '%s':", dir);
			break;
		}
		if (!strcmp(p, ".") || !strcmp(p, "/"))
			break;
	}
	free(p);
	return rc;
}

int store_prepare(const char *dir, int resume, char *err, size_t errlen)
{
	struct stat st;
	int stale;
	if (path_too_long(dir, err, errlen) < 0)
		return -1;
	if (stat(dir, &st) < 0) {
		if (resume)
			return aw_fail(err, errlen, "cannot resume '%s':", dir);
		if (mkdirs(dir) < 0)
			return aw_fail(err, errlen, "cannot create output directory '%s':", dir);
	} else if (!S_ISDIR(st.st_mode)) {
		return aw_fail(err, errlen, "output '%s' exists and is not a directory", dir);
	}
	/* The lock comes before the look inside, so that two runs started
	 * together cannot both find the directory free.  A file system
	 * without flock (some network ones) runs unlocked. */
	int lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0)
		return aw_fail(err, errlen, "cannot open output directory '%s':", dir);
	if (flock(lock, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		close(lock);
		return aw_fail(err, errlen, "'%s' is in use by another alphawrite run; wait for it to "
			       "end, or choose another --out", dir);
	}
	if (inspect(dir, resume, &stale, err, errlen) < 0) {
		close(lock);
		return -1;
	}
	if (stale && clear_inputs(dir) < 0) {
		close(lock);
		return aw_fail(err, errlen, "cannot clear '%s/inputs':", dir);
	}
	remove_our_tmp(dir);
	if (access(dir, W_OK) < 0) {
		close(lock);
		return aw_fail(err, errlen, "cannot write to output directory '%s':", dir);
	}
	return lock;
}

int store_write_inputs(const char *dir, const struct texts *t, char *err, size_t errlen)
{
	char *sub = xasprintf("%s/%s", dir, CODEC_INPUTS);
	int rc = 0;
	if (mkdir(sub, 0777) < 0 && errno != EEXIST) {
		rc = aw_fail(err, errlen, "cannot create '%s':", sub);
		goto out;
	}
	const char *one[6] = { t->prompt, t->rubric, t->writer, t->variant, t->judge, t->reask };
	const struct strlist *lists[3] = { &t->styles, &t->themes, &t->goals };
	for (int k = 0; k < CODEC_TEXTS && rc == 0; k++) {
		struct buf b = BUF_INIT;
		if (k < 2) { /* prompt and rubric were trimmed when read */
			buf_puts(&b, one[k]);
			buf_puts(&b, "\n");
		} else if (k < 6) { /* templates: exactly as read */
			buf_puts(&b, one[k]);
		} else {
			for (size_t i = 0; i < lists[k - 6]->n; i++)
				buf_printf(&b, "%s\n", lists[k - 6]->v[i]);
		}
		rc = store_write_file(sub, codec_input_name(k), buf_str(&b), b.len, err, errlen);
		buf_release(&b);
	}
out:
	free(sub);
	return rc;
}

int store_has_generation(const char *dir, int gen)
{
	char name[24];
	codec_generation_name(gen, name, sizeof name);
	char *path = xasprintf("%s/%s", dir, name);
	int exists = access(path, F_OK) == 0;
	free(path);
	return exists;
}

int store_read_generation(const char *dir, int gen, struct generation *g, char *err,
			  size_t errlen)
{
	char name[24], *text = NULL;
	codec_generation_name(gen, name, sizeof name);
	char *path = xasprintf("%s/%s", dir, name);
	int rc = data_read_text_max(path, DATA_MAX_RUN_FILE, &text, err, errlen);
	if (rc == 0)
		rc = codec_generation_parse(text, path, gen, g, err, errlen);
	else
		memset(g, 0, sizeof *g);
	free(text);
	free(path);
	return rc;
}

int store_read_run(const char *dir, struct run_report *r, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, CODEC_RUN), *text = NULL;
	int rc = data_read_text_max(path, DATA_MAX_RUN_FILE, &text, err, errlen);
	if (rc == 0)
		rc = codec_run_parse(text, path, r, err, errlen);
	else
		memset(r, 0, sizeof *r);
	free(text);
	free(path);
	return rc;
}

int store_write_file(const char *dir, const char *name, const char *data, size_t len,
		     char *err, size_t errlen)
{
	char *tmp = xasprintf("%s/.%s.tmp.%ld", dir, name, (long)getpid());
	char *path = xasprintf("%s/%s", dir, name);
	int rc = -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		aw_fail(err, errlen, "cannot create '%s':", tmp);
		goto out;
	}
	if (aw_write_all(fd, data, len) < 0) {
		aw_fail(err, errlen, "cannot write '%s':", path);
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		aw_fail(err, errlen, "cannot write '%s':", path);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		aw_fail(err, errlen, "cannot rename '%s' to '%s':", tmp, path);
		unlink(tmp);
		goto out;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	free(tmp);
	free(path);
	return rc;
}

int store_write_generation(const char *dir, const struct generation *g, char *err,
			   size_t errlen)
{
	char name[24];
	codec_generation_name(g->gen, name, sizeof name);
	char *json = codec_generation_json(g);
	int rc = store_write_file(dir, name, json, strlen(json), err, errlen);
	free(json);
	return rc;
}

int store_write_run(const char *dir, const struct run_report *r, char *err, size_t errlen)
{
	char *json = codec_run_json(r);
	int rc = store_write_file(dir, CODEC_RUN, json, strlen(json), err, errlen);
	free(json);
	return rc;
}

int store_write_best(const char *dir, const struct story *best, char *err, size_t errlen)
{
	char *text = xasprintf("%s\n", best->text);
	int rc = store_write_file(dir, CODEC_BEST, text, strlen(text), err, errlen);
	free(text);
	return rc;
}

/** A position in a list ordered by (created_at desc, id desc): the last row of the page before. */
export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

/**
 * The position above every row, where a first page starts: the latest time a cursor may carry
 * (year 9999, see decodeCursor) and the greatest UUID.
 *
 * Why a first page reads "after the top" instead of having no bound: the lists are prepared
 * statements, and after five runs PostgreSQL may keep one plan for every user (the generic plan),
 * costed for a user with a session or two. Without a bound on created_at that plan for the
 * sessions list was a bitmap scan of all of the user's rows and a sort (10,000 rows read, 11 ms,
 * for a user with 10,000 sessions); with the bound it is the index in order, 51 rows read
 * (tests/sessions/generic-plans.test.ts). One statement then serves every page.
 */
export const ABOVE_EVERY_ROW: Readonly<KeysetPosition> = Object.freeze({
  createdAt: new Date("9999-12-31T23:59:59.999Z"),
  id: "ffffffff-ffff-ffff-ffff-ffffffffffff",
});

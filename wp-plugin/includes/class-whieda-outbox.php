<?php
/**
 * The outbox store: forwarded calls that did not reach the sidecar yet.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The only SQL for {prefix}whieda_outbox, always through $wpdb->prepare.
 * Every forwarded call of a page is written here (its id is the order), pulled by the
 * sidecar through Whieda_Outbox_Route or replayed by WP-Cron, and deleted once the sidecar
 * has it. A row keeps the exact body, so a replay sends the same call. Status 'pending'
 * waits for the sidecar, 'failed' was refused and waits for an operator (shown on the
 * settings screen, with a retry).
 */
class Whieda_Outbox {

	const PENDING = 'pending';
	const FAILED  = 'failed';

	public static function table() {
		global $wpdb;
		return $wpdb->prefix . 'whieda_outbox';
	}

	/**
	 * Stores a call; a call already stored (same event id) is left as it is.
	 *
	 * @param string $event_id Event id.
	 * @param string $hook     Hook.
	 * @param string $body     JSON body.
	 * @param string $status   PENDING or FAILED.
	 * @param string $error    Why it is here.
	 * @param int    $attempts Deliveries tried so far.
	 * @return bool Whether it was stored.
	 */
	public function add( $event_id, $hook, $body, $status, $error, $attempts ) {
		global $wpdb;
		$now    = gmdate( 'Y-m-d H:i:s' );
		$stored = $wpdb->query( // phpcs:ignore WordPress.DB.DirectDatabaseQuery
			$wpdb->prepare(
				'INSERT IGNORE INTO ' . self::table() . ' (event_id, hook, body, status, attempts, next_attempt_at, last_error, created_at, updated_at) VALUES (%s, %s, %s, %s, %d, %s, %s, %s, %s)', // phpcs:ignore WordPress.DB.PreparedSQL.NotPrepared
				$event_id,
				$hook,
				$body,
				$status,
				$attempts,
				$now,
				$error,
				$now,
				$now
			)
		);
		if ( false === $stored ) { // The database refused (0 is a repeat already stored): the call is lost; say so.
			Whieda_Log::write( sprintf( 'could not store %s %s in the outbox, the call is lost: %s', $hook, $event_id, $wpdb->last_error ) );
			return false;
		}
		return 1 === $stored;
	}

	/**
	 * Stores a page's calls, pending, in the order they were noted: one statement, one commit.
	 *
	 * @param array[] $calls Items {event_id, hook, body}.
	 * @return bool Whether they were stored (false: the database refused; $wpdb->last_error says why).
	 */
	public function add_calls( $calls ) {
		global $wpdb;
		$now    = gmdate( 'Y-m-d H:i:s' );
		$rows   = array();
		$values = array();
		foreach ( $calls as $call ) {
			$rows[] = "(%s, %s, %s, %s, 0, %s, '', %s, %s)";
			array_push( $values, $call['event_id'], $call['hook'], $call['body'], self::PENDING, $now, $now, $now );
		}
		// A repeat of an event id already stored is left as it is (the first one goes).
		$stored = $wpdb->query( $wpdb->prepare( 'INSERT IGNORE INTO ' . self::table() . ' (event_id, hook, body, status, attempts, next_attempt_at, last_error, created_at, updated_at) VALUES ' . implode( ', ', $rows ), $values ) ); // phpcs:ignore WordPress.DB
		return false !== $stored;
	}

	/**
	 * Rows by id, for the sidecar's acknowledgements.
	 *
	 * @param int[] $ids Row ids.
	 * @return array<int, object> Keyed by id; ids not found (already handled) are absent.
	 */
	public function by_ids( $ids ) {
		global $wpdb;
		$ids = array_values( array_unique( array_map( 'intval', $ids ) ) );
		if ( array() === $ids ) {
			return array();
		}
		$found = $wpdb->get_results( $wpdb->prepare( 'SELECT * FROM ' . self::table() . ' WHERE id IN (' . implode( ', ', array_fill( 0, count( $ids ), '%d' ) ) . ')', $ids ) ); // phpcs:ignore WordPress.DB
		$rows  = array();
		foreach ( (array) $found as $row ) {
			$rows[ (int) $row->id ] = $row;
		}
		return $rows;
	}

	/**
	 * The oldest pending rows, in the order they were stored.
	 *
	 * @param int $limit How many.
	 * @return object[]
	 */
	public function pending( $limit ) {
		global $wpdb;
		return $wpdb->get_results( $wpdb->prepare( 'SELECT * FROM ' . self::table() . ' WHERE status = %s ORDER BY id LIMIT %d', self::PENDING, $limit ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * Calls handed to the sidecar: WP-Cron's replay leaves them to it for $seconds.
	 *
	 * @param int[] $ids     Row ids.
	 * @param int   $seconds Lease.
	 */
	public function lease( $ids, $seconds ) {
		global $wpdb;
		$ids = array_map( 'intval', $ids );
		if ( array() === $ids ) {
			return;
		}
		$wpdb->query( $wpdb->prepare( 'UPDATE ' . self::table() . ' SET next_attempt_at = %s WHERE id IN (' . implode( ', ', array_fill( 0, count( $ids ), '%d' ) ) . ')', array_merge( array( gmdate( 'Y-m-d H:i:s', time() + $seconds ) ), $ids ) ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * @param int $id Row id.
	 */
	public function delete( $id ) {
		global $wpdb;
		$wpdb->delete( self::table(), array( 'id' => (int) $id ), array( '%d' ) ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
	}

	/**
	 * @param int[] $ids Row ids.
	 */
	public function delete_many( $ids ) {
		global $wpdb;
		$ids = array_map( 'intval', $ids );
		if ( array() !== $ids ) {
			$wpdb->query( $wpdb->prepare( 'DELETE FROM ' . self::table() . ' WHERE id IN (' . implode( ', ', array_fill( 0, count( $ids ), '%d' ) ) . ')', $ids ) ); // phpcs:ignore WordPress.DB
		}
	}

	/**
	 * A delivery failed for a reason that may pass: try again after $delay seconds.
	 *
	 * @param object $row   Row.
	 * @param int    $delay Seconds.
	 * @param string $error Reason.
	 */
	public function retry_later( $row, $delay, $error ) {
		$this->update( $row->id, self::PENDING, (int) $row->attempts + 1, gmdate( 'Y-m-d H:i:s', time() + $delay ), $error );
	}

	/**
	 * The sidecar refused the call: keep it for an operator.
	 *
	 * @param object $row   Row.
	 * @param string $error Reason.
	 */
	public function fail( $row, $error ) {
		$this->update( $row->id, self::FAILED, (int) $row->attempts + 1, $row->next_attempt_at, $error );
	}

	/**
	 * Puts failed rows back in the queue (after the operator fixed the cause).
	 *
	 * @return int How many.
	 */
	public function requeue_failed() {
		global $wpdb;
		return (int) $wpdb->query( $wpdb->prepare( 'UPDATE ' . self::table() . ' SET status = %s, next_attempt_at = %s WHERE status = %s', self::PENDING, gmdate( 'Y-m-d H:i:s' ), self::FAILED ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * Backlog by status, and the oldest pending row's age.
	 *
	 * @return array{pending: int, failed: int, oldest: string|null}
	 */
	public function counts() {
		global $wpdb;
		$counts = array( 'pending' => 0, 'failed' => 0, 'oldest' => null );
		$rows   = $wpdb->get_results( 'SELECT status, COUNT(*) AS n, MIN(created_at) AS oldest FROM ' . self::table() . ' GROUP BY status' ); // phpcs:ignore WordPress.DB
		foreach ( (array) $rows as $row ) {
			$counts[ $row->status ] = (int) $row->n;
			if ( self::PENDING === $row->status ) {
				$counts['oldest'] = $row->oldest;
			}
		}
		return $counts;
	}

	/**
	 * The latest rows with an error, for the settings screen.
	 *
	 * @param int $limit How many.
	 * @return object[]
	 */
	public function recent_errors( $limit ) {
		global $wpdb;
		return $wpdb->get_results( $wpdb->prepare( 'SELECT id, event_id, hook, status, attempts, last_error, updated_at FROM ' . self::table() . " WHERE last_error <> '' ORDER BY updated_at DESC, id DESC LIMIT %d", $limit ) ); // phpcs:ignore WordPress.DB
	}

	/** Whether calls wait for the sidecar (a new call must queue behind them). */
	public function has_pending() {
		global $wpdb;
		return null !== $wpdb->get_var( $wpdb->prepare( 'SELECT id FROM ' . self::table() . ' WHERE status = %s LIMIT 1', self::PENDING ) ); // phpcs:ignore WordPress.DB
	}

	/**
	 * Only one replay at a time, across PHP workers (a MySQL named lock).
	 *
	 * @return bool Whether this process holds the lock.
	 */
	public function lock( $wait_sec = 0 ) {
		global $wpdb;
		return '1' === (string) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, %d)', self::lock_name(), $wait_sec ) ); // phpcs:ignore WordPress.DB
	}

	public function unlock() {
		global $wpdb;
		$wpdb->query( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', self::lock_name() ) ); // phpcs:ignore WordPress.DB
	}

	/** Named locks are server-wide: name ours after the database too. */
	private static function lock_name() {
		return substr( DB_NAME . '.' . self::table(), 0, 64 );
	}

	private function update( $id, $status, $attempts, $next_attempt_at, $error ) {
		global $wpdb;
		$wpdb->update( // phpcs:ignore WordPress.DB.DirectDatabaseQuery
			self::table(),
			array(
				'status'          => $status,
				'attempts'        => $attempts,
				'next_attempt_at' => $next_attempt_at,
				'last_error'      => substr( (string) $error, 0, 1000 ),
				'updated_at'      => gmdate( 'Y-m-d H:i:s' ),
			),
			array( 'id' => (int) $id ),
			array( '%s', '%d', '%s', '%s', '%s' ),
			array( '%d' )
		);
	}
}

<?php
/**
 * The figures of the webinar reports and the console's live counts: the only SQL they run.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Reads, never writes (one owner per table): the sidecar's {prefix}whieda_attendance (one row per
 * webinar and lead: registration, entry, presence, classification, CTA shown / clicked),
 * {prefix}whieda_presence_minutes (viewers counted once a minute of the live window),
 * {prefix}whieda_jobs (Telegram messages, by webinar) and {prefix}whieda_rooms, as the jobs list and
 * the room state route read them (one database; the screens work while the sidecar is down); and the
 * recording's funnel from the counters the sidecar keeps beside the `autowebinar_*` rows.
 * Lead names are the lead_entry's title.
 */
class Whieda_Report_Store {

	/** Seconds without a heartbeat after which a lead no longer counts as in the room (three beats, as the sidecar credits presence). */
	const AWAY_AFTER_SEC = 90;

	/** Rows per query when the CSV is written. */
	const BATCH = 2000;

	private static function table( $name ) {
		global $wpdb;
		return $wpdb->prefix . $name;
	}

	/**
	 * Who is in the room now, and the two running totals of the console.
	 *
	 * @param int $webinar_id Webinar.
	 * @return array{registered: int, entered: int, present: array<int, array{lead_id: int, name: string, since: int}>}
	 */
	public static function live( $webinar_id ) {
		global $wpdb;
		$attendance = self::table( 'whieda_attendance' );
		$suppress   = $wpdb->suppress_errors( true ); // Before the sidecar's first start the table is not there yet.
		// phpcs:disable WordPress.DB -- the bridge's own table; values through prepare().
		$totals  = $wpdb->get_row( $wpdb->prepare( "SELECT COUNT(registered_at) AS registered, COUNT(entered_at) AS entered FROM {$attendance} WHERE webinar_id = %d", $webinar_id ) );
		$present = $wpdb->get_results(
			$wpdb->prepare(
				"SELECT a.lead_id, COALESCE(p.post_title, '') AS name, UNIX_TIMESTAMP(a.present_since) AS since
				FROM {$attendance} a LEFT JOIN {$wpdb->posts} p ON p.ID = a.lead_id
				WHERE a.webinar_id = %d AND a.seen_at >= UTC_TIMESTAMP(6) - INTERVAL %d SECOND AND a.present_since IS NOT NULL ORDER BY since, a.lead_id",
				$webinar_id,
				self::AWAY_AFTER_SEC
			)
		);
		// phpcs:enable
		$wpdb->suppress_errors( $suppress );
		return array(
			'registered' => $totals ? (int) $totals->registered : 0,
			'entered'    => $totals ? (int) $totals->entered : 0,
			'present'    => array_map(
				function ( $row ) {
					return array(
						'lead_id' => (int) $row->lead_id,
						'name'    => (string) $row->name,
						'since'   => (int) $row->since,
					);
				},
				(array) $present
			),
		);
	}

	/**
	 * The webinar's figures: registered, entered, attended / not attended / not classified yet, CTA shown and clicked.
	 *
	 * @param int $webinar_id Webinar.
	 * @return array<string, int>
	 */
	public static function figures( $webinar_id ) {
		global $wpdb;
		$attendance = self::table( 'whieda_attendance' );
		$suppress   = $wpdb->suppress_errors( true );
		$row        = $wpdb->get_row( // phpcs:ignore WordPress.DB
			$wpdb->prepare(
				"SELECT COUNT(*) AS people, COUNT(registered_at) AS registered, COUNT(entered_at) AS entered,
				COALESCE(SUM(attended = 1), 0) AS attended, COALESCE(SUM(attended = 0), 0) AS not_attended,
				COUNT(cta_shown_at) AS cta_shown, COUNT(cta_clicked_at) AS cta_clicked
				FROM {$attendance} WHERE webinar_id = %d", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
				$webinar_id
			),
			ARRAY_A
		);
		$wpdb->suppress_errors( $suppress );
		$figures                   = array_map( 'intval', (array) $row ) + array_fill_keys( array( 'people', 'registered', 'entered', 'attended', 'not_attended', 'cta_shown', 'cta_clicked' ), 0 );
		$figures['not_classified'] = $figures['people'] - $figures['attended'] - $figures['not_attended'];
		return $figures;
	}

	/**
	 * The webinar's Telegram messages by scenario: sent, failed (with each reason and how often), waiting.
	 *
	 * @param int $webinar_id Webinar.
	 * @return array<string, array{sent: int, failed: int, waiting: int, reasons: array<string, int>}>
	 */
	public static function messages( $webinar_id ) {
		global $wpdb;
		$jobs     = self::table( 'whieda_jobs' );
		$suppress = $wpdb->suppress_errors( true );
		// phpcs:disable WordPress.DB -- the bridge's own table; values through prepare().
		$done    = $wpdb->get_results( $wpdb->prepare( "SELECT COALESCE(scenario, '') AS scenario, status, '' AS reason, COUNT(*) AS n FROM {$jobs} WHERE webinar_id = %d AND kind = 'telegram' AND status NOT IN ('failed', 'cancelled') GROUP BY scenario, status", $webinar_id ) );
		$failed  = $wpdb->get_results( $wpdb->prepare( "SELECT COALESCE(scenario, '') AS scenario, status, COALESCE(last_error, '') AS reason, COUNT(*) AS n FROM {$jobs} WHERE webinar_id = %d AND kind = 'telegram' AND status IN ('failed', 'cancelled') GROUP BY scenario, reason", $webinar_id ) );
		// phpcs:enable
		$wpdb->suppress_errors( $suppress );
		$out = array();
		foreach ( array_merge( (array) $done, (array) $failed ) as $row ) {
			$scenario = (string) $row->scenario;
			if ( ! isset( $out[ $scenario ] ) ) {
				$out[ $scenario ] = array(
					'sent'    => 0,
					'failed'  => 0,
					'waiting' => 0,
					'reasons' => array(),
				);
			}
			$n = (int) $row->n;
			if ( 'done' === $row->status ) {
				$out[ $scenario ]['sent'] += $n;
			} elseif ( in_array( $row->status, array( 'failed', 'cancelled' ), true ) ) { // Cancelled: the person said /stop or blocked the bot.
				$out[ $scenario ]['failed']                  += $n;
				$out[ $scenario ]['reasons'][ $row->reason ] = $n;
			} else {
				$out[ $scenario ]['waiting'] += $n;
			}
		}
		ksort( $out );
		return $out;
	}

	/**
	 * Viewers present in each minute of the live window, zeros included; empty before the first start.
	 *
	 * @param int $webinar_id Webinar.
	 * @return array<int, int> minute (Unix time) => viewers.
	 */
	public static function minutes( $webinar_id ) {
		global $wpdb;
		$suppress = $wpdb->suppress_errors( true );
		// phpcs:disable WordPress.DB -- the bridge's own tables; values through prepare().
		$room = $wpdb->get_row( $wpdb->prepare( 'SELECT status, UNIX_TIMESTAMP(live_since) AS since, UNIX_TIMESTAMP(ended_at) AS ended FROM ' . self::table( 'whieda_rooms' ) . ' WHERE webinar_id = %d', $webinar_id ) );
		$rows = $wpdb->get_results( $wpdb->prepare( 'SELECT UNIX_TIMESTAMP(minute) AS minute, viewers FROM ' . self::table( 'whieda_presence_minutes' ) . ' WHERE webinar_id = %d ORDER BY minute', $webinar_id ) );
		// phpcs:enable
		$wpdb->suppress_errors( $suppress );
		if ( ! $room || ! $room->since ) {
			return array();
		}
		$end    = 'live' === $room->status || ! $room->ended ? time() : (int) $room->ended;
		$counts = array();
		for ( $minute = (int) floor( $room->since / 60 ) * 60; $minute <= $end; $minute += 60 ) {
			$counts[ $minute ] = 0;
		}
		foreach ( (array) $rows as $row ) {
			if ( isset( $counts[ (int) $row->minute ] ) ) {
				$counts[ (int) $row->minute ] = (int) $row->viewers;
			}
		}
		return $counts;
	}

	/**
	 * The webinar's people, batch by batch, for the CSV: name, registered at, entered at, seconds present,
	 * attended (1, 0 or null: not classified yet), CTA clicked at.
	 *
	 * @param int      $webinar_id Webinar.
	 * @param callable $each       Called with each row (an array).
	 */
	public static function each_attendee( $webinar_id, $each ) {
		global $wpdb;
		$attendance = self::table( 'whieda_attendance' );
		$after      = 0;
		$suppress   = $wpdb->suppress_errors( true );
		do {
			$rows = $wpdb->get_results( // phpcs:ignore WordPress.DB
				$wpdb->prepare(
					"SELECT a.lead_id, COALESCE(p.post_title, '') AS name, UNIX_TIMESTAMP(a.registered_at) AS registered_at,
					UNIX_TIMESTAMP(a.entered_at) AS entered_at, a.present_sec, a.attended, UNIX_TIMESTAMP(a.cta_clicked_at) AS cta_clicked_at
					FROM {$attendance} a LEFT JOIN {$wpdb->posts} p ON p.ID = a.lead_id
					WHERE a.webinar_id = %d AND a.lead_id > %d ORDER BY a.lead_id LIMIT %d", // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
					$webinar_id,
					$after,
					self::BATCH
				),
				ARRAY_A
			);
			foreach ( (array) $rows as $row ) {
				$after = (int) $row['lead_id'];
				call_user_func( $each, $row );
			}
		} while ( count( (array) $rows ) === self::BATCH );
		$wpdb->suppress_errors( $suppress );
	}

	/** The progress steps of the funnel, in order. */
	const STEPS = array( 25, 50, 75, 100 );

	/**
	 * The recording's funnel: joined (a saved position or any progress: the player was entered), reached 25 / 50 / 75 /
	 * 100 %, clicked the CTA; and the median minute of the recording where those who have not completed
	 * it stand (null: nobody). From the counters the sidecar keeps beside the `autowebinar_*` rows, in the
	 * transaction that changes them (sidecar/user_meta/funnel.py): counting 100,000 viewers' rows on each
	 * read took 1.6 s; seed 001 forbids aggregates in user meta.
	 *
	 * @return array{joined: int, progress: array<int, int>, cta: int, left: int, median_left_sec: int|null}
	 */
	public static function funnel() {
		global $wpdb;
		$suppress = $wpdb->suppress_errors( true );
		// phpcs:disable WordPress.DB -- the bridge's own tables, no input.
		$steps   = $wpdb->get_results( 'SELECT step, viewers FROM ' . self::table( 'whieda_aw_funnel' ), OBJECT_K );
		$minutes = $wpdb->get_results( 'SELECT minute, viewers FROM ' . self::table( 'whieda_aw_positions' ) . ' WHERE viewers > 0 ORDER BY minute' );
		// phpcs:enable
		$wpdb->suppress_errors( $suppress );
		$count    = function ( $step ) use ( $steps ) {
			return isset( $steps[ $step ] ) ? max( 0, (int) $steps[ $step ]->viewers ) : 0;
		};
		$progress = array();
		foreach ( self::STEPS as $step ) {
			$progress[ $step ] = $count( 'p' . $step );
		}
		$left   = array_sum( array_map( 'intval', wp_list_pluck( (array) $minutes, 'viewers' ) ) );
		$median = null;
		$seen   = 0;
		foreach ( (array) $minutes as $row ) { // The minute that holds the middle viewer (the lower middle, for an even count).
			$seen += (int) $row->viewers;
			if ( 2 * $seen >= $left ) {
				$median = 60 * (int) $row->minute;
				break;
			}
		}
		return array(
			'joined'          => $count( 'joined' ),
			'progress'        => $progress,
			'cta'             => $count( 'cta' ),
			'left'            => $left,
			'median_left_sec' => $median,
		);
	}
}

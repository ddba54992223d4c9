<?php
/**
 * «Добавить в календарь»: a webinar as a signed .ics download and a Google Calendar link.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * GET /wp-json/whieda/v1/calendar/{id}?sig=… answers an RFC 5545 calendar of one event: a UID stable
 * for the webinar, DTSTART in UTC, a SEQUENCE raised each time the start moves (so a calendar that
 * imported it updates the event instead of adding a second one), a VALARM 15 minutes before, the
 * room's URL. The link is signed with the shared secret (sig), so only the webinars the site's pages
 * offer can be downloaded. The sequence of each webinar is the option whieda_ics_sequences, raised on
 * webinar_schedule_changed and removed on uninstall.
 */
class Whieda_Calendar {

	const SEQUENCES = 'whieda_ics_sequences';

	/** Minutes before the start the calendar reminds. */
	const ALARM_MIN = 15;

	public function register_routes() {
		register_rest_route(
			'whieda/v1',
			'/calendar/(?P<id>[1-9][0-9]{0,19})',
			array(
				'methods'             => 'GET',
				'callback'            => array( $this, 'download' ),
				'permission_callback' => '__return_true', // The signature says the site offered this webinar.
			)
		);
	}

	/**
	 * @param int      $webinar_id Webinar.
	 * @param int|null $starts_at  Its new start.
	 */
	public static function start_moved( $webinar_id, $starts_at ) {
		if ( null === $starts_at ) {
			return;
		}
		$sequences                            = (array) get_option( self::SEQUENCES, array() );
		$sequences[ absint( $webinar_id ) ] = ( isset( $sequences[ absint( $webinar_id ) ] ) ? (int) $sequences[ absint( $webinar_id ) ] : 0 ) + 1;
		update_option( self::SEQUENCES, $sequences, false );
	}

	/**
	 * The two calendar links of a webinar with a start ahead (see templates/calendar-links.php), or ''.
	 *
	 * @param array $webinar Whieda_Webinar_View::get().
	 * @return string
	 */
	public static function links( $webinar ) {
		$secret = Whieda_Plugin::instance()->config->secret();
		if ( ! $webinar || empty( $webinar['starts_at'] ) || $webinar['starts_at'] <= time() || '' === $secret ) {
			return ''; // Nothing to put in a calendar: no start, or it has passed.
		}
		$ics    = add_query_arg( 'sig', self::signature( $webinar['id'] ), rest_url( 'whieda/v1/calendar/' . $webinar['id'] ) );
		$google = add_query_arg(
			array(
				'action'   => 'TEMPLATE',
				'text'     => rawurlencode( self::title( $webinar['id'] ) ),
				'dates'    => gmdate( 'Ymd\THis\Z', $webinar['starts_at'] ) . '/' . gmdate( 'Ymd\THis\Z', $webinar['starts_at'] + self::duration( $webinar['id'] ) ),
				'details'  => rawurlencode( self::room_url( $webinar['id'] ) ),
				'location' => rawurlencode( self::room_url( $webinar['id'] ) ),
			),
			'https://calendar.google.com/calendar/render'
		);
		Whieda_Telegram_Link::enqueue_style();
		ob_start();
		require WHIEDA_BRIDGE_DIR . '/templates/calendar-links.php';
		return (string) ob_get_clean();
	}

	/**
	 * @param WP_REST_Request $request Request.
	 * @return WP_Error|void
	 */
	public function download( WP_REST_Request $request ) {
		$id      = absint( $request['id'] );
		$sig     = (string) $request->get_param( 'sig' );
		$webinar = Whieda_Webinar_View::get( $id );
		if ( ! hash_equals( self::signature( $id ), $sig ) ) {
			return new WP_Error( 'whieda_bad_signature', __( 'Ссылка на календарь неверна. Откройте расписание и нажмите «Добавить в календарь» ещё раз.', 'whieda-bridge' ), array( 'status' => 403 ) );
		}
		if ( ! $webinar || 'publish' !== $webinar['post_status'] || empty( $webinar['starts_at'] ) ) {
			return new WP_Error( 'whieda_no_webinar', __( 'У этого вебинара нет даты в расписании.', 'whieda-bridge' ), array( 'status' => 404 ) );
		}
		nocache_headers();
		header( 'Content-Type: text/calendar; charset=utf-8' );
		header( 'Content-Disposition: attachment; filename="webinar-' . $id . '.ics"' );
		echo self::ics( $webinar ); // phpcs:ignore WordPress.Security.EscapeOutput -- text/calendar, escaped per RFC 5545.
		exit;
	}

	/**
	 * The calendar (RFC 5545), CRLF lines folded at 75 octets.
	 *
	 * @param array $webinar Whieda_Webinar_View::get().
	 * @return string
	 */
	public static function ics( $webinar ) {
		$id        = (int) $webinar['id'];
		$sequences = (array) get_option( self::SEQUENCES, array() );
		$room      = self::room_url( $id );
		$title     = self::title( $id );
		$lines     = array(
			'BEGIN:VCALENDAR',
			'VERSION:2.0',
			'PRODID:-//Whieda//Webinars bridge//RU',
			'CALSCALE:GREGORIAN',
			'METHOD:PUBLISH',
			'BEGIN:VEVENT',
			'UID:webinar-' . $id . '@' . wp_parse_url( home_url(), PHP_URL_HOST ),
			'DTSTAMP:' . gmdate( 'Ymd\THis\Z' ),
			'DTSTART:' . gmdate( 'Ymd\THis\Z', $webinar['starts_at'] ),
			'DTEND:' . gmdate( 'Ymd\THis\Z', $webinar['starts_at'] + self::duration( $id ) ),
			'SEQUENCE:' . ( isset( $sequences[ $id ] ) ? (int) $sequences[ $id ] : 0 ),
			'SUMMARY:' . self::text( $title ),
			/* translators: %s: the room's address. */
			'DESCRIPTION:' . self::text( sprintf( __( 'Комната вебинара: %s', 'whieda-bridge' ), $room ) ),
			'URL:' . $room,
			'LOCATION:' . self::text( $room ),
			'BEGIN:VALARM',
			'ACTION:DISPLAY',
			'DESCRIPTION:' . self::text( $title ),
			'TRIGGER:-PT' . self::ALARM_MIN . 'M',
			'END:VALARM',
			'END:VEVENT',
			'END:VCALENDAR',
		);
		return implode( "\r\n", array_map( array( __CLASS__, 'fold' ), $lines ) ) . "\r\n";
	}

	private static function signature( $webinar_id ) {
		return substr( hash_hmac( 'sha256', 'whieda-ics:' . absint( $webinar_id ), Whieda_Plugin::instance()->config->secret() ), 0, 32 );
	}

	private static function title( $webinar_id ) {
		$post = get_post( $webinar_id );
		return $post ? wp_specialchars_decode( $post->post_title, ENT_QUOTES ) : '';
	}

	private static function room_url( $webinar_id ) {
		return Whieda_Room_Page::url( $webinar_id ); // The site's room, filter whieda_room_url.
	}

	/**
	 * How long the event lasts in calendars, in seconds.
	 *
	 * @param int $webinar_id Webinar.
	 * @return int
	 */
	private static function duration( $webinar_id ) {
		/**
		 * Filters a webinar's length as calendars show it, in minutes (default 60).
		 *
		 * @param int $minutes    Minutes.
		 * @param int $webinar_id Webinar.
		 */
		return 60 * max( 1, (int) apply_filters( 'whieda_webinar_duration_min', 60, $webinar_id ) );
	}

	/** RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped. */
	private static function text( $value ) {
		return str_replace( array( '\\', ';', ',', "\r\n", "\n", "\r" ), array( '\\\\', '\\;', '\\,', '\\n', '\\n', '\\n' ), (string) $value );
	}

	/** A content line folded into lines of at most 75 octets, never inside a UTF-8 character. */
	private static function fold( $line ) {
		$out   = '';
		$limit = 75;
		while ( strlen( $line ) > $limit ) {
			$cut = $limit;
			while ( $cut > 0 && ( ord( $line[ $cut ] ) & 0xC0 ) === 0x80 ) {
				--$cut;
			}
			$out  .= substr( $line, 0, $cut ) . "\r\n ";
			$line  = substr( $line, $cut );
			$limit = 74; // The leading space of a continuation counts.
		}
		return $out . $line;
	}
}

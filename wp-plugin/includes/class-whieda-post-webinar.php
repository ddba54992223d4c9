<?php
/**
 * The post-webinar flow: three screens without forms (seed 001).
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Shown to the candidate when the webinar stops (the room page) or the recording is watched to its
 * end (the auto-webinar player): 1) the end of the webinar confirmed, 2) the next logical option,
 * 3) the final choice of the next step. Links and buttons only — nothing to fill in.
 *
 * The option of screen 2 follows the sidecar's post_webinar_route when it has come for this lead
 * (kept a while in a transient by route()): attended → the webinar's CTA; not_attended → the
 * recording. Before the route arrives (the sidecar classifies a minute after the stop), a candidate
 * who was in the room gets the attended screens. Sites change the screens with
 * the `whieda_post_webinar_screens` filter.
 */
class Whieda_Post_Webinar {

	/** Transient prefix: the route the sidecar chose for a lead and webinar. */
	const ROUTE_KEY = 'whieda_route_';

	/** How long a route is remembered for the screens. */
	const ROUTE_TTL = 30 * DAY_IN_SECONDS;

	/**
	 * Listener of post_webinar_route: remembers the route for this lead's screens.
	 *
	 * @param array $payload lead_id, webinar_id, attended, timestamp, route.
	 */
	public static function route( $payload ) {
		if ( ! is_array( $payload ) || empty( $payload['lead_id'] ) || empty( $payload['webinar_id'] ) ) {
			return;
		}
		$route = 'not_attended' === ( $payload['route'] ?? '' ) ? 'not_attended' : 'attended';
		set_transient( self::ROUTE_KEY . absint( $payload['lead_id'] ) . '_' . absint( $payload['webinar_id'] ), $route, self::ROUTE_TTL );
	}

	/**
	 * The route the sidecar chose for a lead, or '' before it has.
	 *
	 * @param int $lead_id    Lead.
	 * @param int $webinar_id Webinar.
	 * @return string attended | not_attended | ''
	 */
	public static function route_of( $lead_id, $webinar_id ) {
		$route = get_transient( self::ROUTE_KEY . absint( $lead_id ) . '_' . absint( $webinar_id ) );
		return is_string( $route ) ? $route : '';
	}

	/**
	 * The three screens: each {title, text, links: [{label, url, primary, external}]}.
	 *
	 * @param array  $webinar Fields (Whieda_Webinar_View::get(), or the recording's title / cta_url / cta_label).
	 * @param string $route     attended | not_attended | '' (unknown yet: attended).
	 * @param bool   $was_there Whether the lead was in the room (screen 1 thanks only then).
	 * @return array[]
	 */
	public static function screens( $webinar, $route = '', $was_there = true ) {
		$title     = (string) ( $webinar['title'] ?? '' );
		$cta_url   = (string) ( $webinar['cta_url'] ?? '' );
		$cta_label = '' !== trim( (string) ( $webinar['cta_label'] ?? '' ) ) ? (string) $webinar['cta_label'] : __( 'Перейти к следующему шагу', 'whieda-bridge' );
		$recording = (string) ( $webinar['recording_url'] ?? '' );
		$schedule  = home_url( '/webinars/' );

		$next = array();
		if ( 'not_attended' === $route && '' !== $recording ) {
			$option = __( 'Вы пропустили часть эфира — его запись уже доступна. Посмотрите её, когда вам удобно.', 'whieda-bridge' );
			$next[] = self::link( __( 'Смотреть запись', 'whieda-bridge' ), $recording, true );
		} elseif ( '' !== $cta_url ) {
			$option = __( 'Самое полезное сейчас — сделать шаг, о котором говорил спикер. Это займёт пару минут.', 'whieda-bridge' );
			$next[] = self::link( $cta_label, $cta_url, true );
		} else {
			$option = __( 'Закрепите знания: запишитесь на следующий вебинар, пока есть места.', 'whieda-bridge' );
			$next[] = self::link( __( 'Открыть расписание', 'whieda-bridge' ), $schedule, true );
		}

		$choices = array();
		if ( '' !== $cta_url ) {
			$choices[] = self::link( $cta_label, $cta_url, true );
		}
		$choices[] = self::link( __( 'Записаться на следующий вебинар', 'whieda-bridge' ), $schedule, '' === $cta_url );
		$choices[] = self::link( __( 'Вернуться в личный кабинет', 'whieda-bridge' ), home_url( '/account/' ), false );

		$screens = array(
			array(
				'title' => __( 'Вебинар завершён', 'whieda-bridge' ),
				'text'  => self::end_text( $title, 'not_attended' === $route || ! $was_there ),
				'links' => array(),
			),
			array(
				'title' => __( 'Что дальше', 'whieda-bridge' ),
				'text'  => $option,
				'links' => $next,
			),
			array(
				'title' => __( 'Выберите следующий шаг', 'whieda-bridge' ),
				'text'  => __( 'Выберите, куда пойти дальше. Ничего заполнять не нужно.', 'whieda-bridge' ),
				'links' => $choices,
			),
		);
		/**
		 * Filters the three post-webinar screens (no forms: titles, texts, links).
		 *
		 * @param array[] $screens Each {title, text, links: [{label, url, primary}]}.
		 * @param array   $webinar The webinar's fields.
		 * @param string  $route   attended | not_attended | ''.
		 */
		return array_slice( (array) apply_filters( 'whieda_post_webinar_screens', $screens, $webinar, $route ), 0, 3 );
	}

	/**
	 * Prints the screens (hidden until the page shows them); used by the room page and the player.
	 *
	 * @param array[] $screens From screens().
	 * @param bool    $shown   Show the first screen at once (the webinar has already ended).
	 */
	public static function render( $screens, $shown = false ) {
		require WHIEDA_BRIDGE_DIR . '/templates/post-webinar.php';
	}

	/**
	 * Screen 1's words: thanks for being there only to those who were (else the end, said plainly).
	 *
	 * @param string $title  The webinar's title.
	 * @param bool   $missed The lead was not there (routed not_attended, or never entered the room).
	 * @return string
	 */
	private static function end_text( $title, $missed ) {
		if ( $missed ) {
			/* translators: %s: the webinar's title. */
			return '' !== $title ? sprintf( __( 'Эфир «%s» уже закончился.', 'whieda-bridge' ), $title ) : __( 'Этот эфир уже закончился.', 'whieda-bridge' );
		}
		/* translators: %s: the webinar's title. */
		return '' !== $title ? sprintf( __( 'Спасибо, что были с нами! «%s» подошёл к концу.', 'whieda-bridge' ), $title ) : __( 'Спасибо, что были с нами! Вебинар подошёл к концу.', 'whieda-bridge' );
	}

	private static function link( $label, $url, $primary ) {
		return array(
			'label'   => (string) $label,
			'url'     => (string) $url,
			'primary' => (bool) $primary,
		);
	}
}

<?php
/**
 * A webinar_event as the site's pages show it: Core's fields, read in one place.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The pages ([whieda_webinar_public], [whieda_live_room], [whieda_live_admin]) render Core's
 * webinar_event and never keep their own copy. Where a field lives is META (post meta of the
 * webinar_event); a site that keeps them elsewhere maps them with the `whieda_webinar_page_fields`
 * filter. Embeds are the speaker's iframes: kept through EMBED_TAGS on save and again when shown.
 */
class Whieda_Webinar_View {

	/**
	 * The webinar_event's post meta each field is read from: by the pages, by the resolver for the
	 * sidecar (its reminders follow starts_at), and written by the console.
	 */
	const META = array(
		'starts_at'    => 'webinar_starts_at',   // Unix time (a date and time in the site's time zone is read too).
		'poster'       => 'webinar_poster_url',
		'webinar_type' => 'webinar_type',        // live | auto.
		'stream_type'  => 'stream_type',         // obs | zoom | telegram.
		'player_embed' => 'player_embed',
		'chat_embed'   => 'chat_embed',
		'external_url' => 'external_url',        // The Zoom / Telegram link (its chat is the truth there).
		'presentation' => 'presentation_embed',
		'cta_url'      => 'cta_url',
		'cta_label'    => 'cta_label',
		'recording_url' => 'recording_url',
	);

	/** Stream types the console offers. */
	const STREAM_TYPES = array( 'obs', 'zoom', 'telegram' );

	/** A webinar still shows in the schedule this long after its start (it may be on air). */
	const ON_AIR_GRACE = 4 * HOUR_IN_SECONDS;

	/**
	 * One webinar's fields, or null if the id is no published webinar_event.
	 *
	 * @param int|WP_Post $webinar Webinar id or post.
	 * @return array|null
	 */
	public static function get( $webinar ) {
		$post = get_post( $webinar );
		if ( ! $post || 'webinar_event' !== $post->post_type ) {
			return null;
		}
		$fields = array(
			'id'    => (int) $post->ID,
			'title' => get_the_title( $post ),
		);
		foreach ( self::META as $field => $key ) {
			$fields[ $field ] = (string) get_post_meta( $post->ID, $key, true );
		}
		if ( '' === $fields['poster'] && has_post_thumbnail( $post ) ) {
			$fields['poster'] = (string) get_the_post_thumbnail_url( $post, 'large' );
		}
		/**
		 * Filters a webinar's fields as the pages show them (where a site keeps its schedule, poster,
		 * embeds, CTA). Strings, except starts_at (Unix time).
		 *
		 * @param array   $fields See META, plus id and title.
		 * @param WP_Post $post   The webinar_event.
		 */
		$fields = (array) apply_filters( 'whieda_webinar_page_fields', $fields, $post );

		$fields['starts_at']    = (int) Whieda_Resolver::moment( $fields['starts_at'] ?? '' );
		$fields['webinar_type'] = 'auto' === ( $fields['webinar_type'] ?? '' ) ? 'auto' : 'live';
		$fields['stream_type']  = in_array( $fields['stream_type'] ?? '', self::STREAM_TYPES, true ) ? $fields['stream_type'] : 'obs';
		$fields['post_status']  = $post->post_status;
		return $fields;
	}

	/**
	 * Upcoming (or on air) published webinars, soonest first.
	 *
	 * @param int $limit Most to return.
	 * @return array[] Fields of each, as get() returns them.
	 */
	public static function upcoming( $limit = 20 ) {
		$query = new WP_Query(
			array(
				'post_type'      => 'webinar_event',
				'post_status'    => 'publish',
				'posts_per_page' => max( 1, min( 100, (int) $limit ) ),
				'meta_key'       => self::META['starts_at'], // phpcs:ignore WordPress.DB.SlowDBQuery
				'orderby'        => 'meta_value_num',
				'order'          => 'ASC',
				'meta_query'     => array( // phpcs:ignore WordPress.DB.SlowDBQuery
					array(
						'key'     => self::META['starts_at'],
						'value'   => time() - self::ON_AIR_GRACE,
						'compare' => '>=',
						'type'    => 'NUMERIC',
					),
				),
				'no_found_rows'  => true,
			)
		);
		$webinars = array();
		foreach ( $query->posts as $post ) {
			$fields = self::get( $post );
			if ( $fields && 'ended' !== Whieda_Room_Route::read_state( $fields['id'] )['status'] ) {
				$webinars[] = $fields;
			}
		}
		return $webinars;
	}

	/**
	 * The webinar a room page shows when none is named: the one on air, else the next one.
	 *
	 * @return int 0 if there is none.
	 */
	public static function current_id() {
		$next = 0;
		foreach ( self::upcoming( 50 ) as $webinar ) {
			if ( 'live' !== $webinar['webinar_type'] ) {
				continue;
			}
			if ( 'live' === Whieda_Room_Route::read_state( $webinar['id'] )['status'] ) {
				return $webinar['id'];
			}
			$next = $next ? $next : $webinar['id'];
		}
		return $next;
	}

	/**
	 * «Прямой эфир» or «Запись»: what a webinar is, said plainly (SPEC §6).
	 *
	 * @param array $webinar Fields.
	 * @return string
	 */
	public static function kind_label( $webinar ) {
		return 'auto' === $webinar['webinar_type'] ? __( 'Запись', 'whieda-bridge' ) : __( 'Прямой эфир', 'whieda-bridge' );
	}

	/**
	 * The start in the site's timezone, e.g. «1 декабря 2026, 19:00 (МСК)»; '' when unknown.
	 *
	 * @param array $webinar Fields.
	 * @return string
	 */
	public static function when( $webinar ) {
		if ( ! $webinar['starts_at'] ) {
			return '';
		}
		$date_format = (string) get_option( 'date_format' );
		$date        = wp_maybe_decline_date( (string) wp_date( $date_format, $webinar['starts_at'] ), $date_format ); // «23 ноября», not «23 Ноябрь».
		/* translators: 1: date, 2: time, 3: timezone abbreviation. */
		return sprintf( __( '%1$s, %2$s (%3$s)', 'whieda-bridge' ), $date, wp_date( get_option( 'time_format' ), $webinar['starts_at'] ), wp_date( 'T', $webinar['starts_at'] ) );
	}

	/**
	 * The platform's name for a stream type whose chat lives outside (seed 003).
	 *
	 * @param string $stream_type zoom | telegram.
	 * @return string
	 */
	public static function platform( $stream_type ) {
		return 'zoom' === $stream_type ? 'Zoom' : 'Telegram';
	}

	/**
	 * The tags an embed may hold: iframes and plain markup, never scripts or handlers.
	 *
	 * @return array
	 */
	public static function embed_tags() {
		$tags           = wp_kses_allowed_html( 'post' );
		$tags['iframe'] = array(
			'src'             => true,
			'title'           => true,
			'width'           => true,
			'height'          => true,
			'allow'           => true,
			'allowfullscreen' => true,
			'frameborder'     => true,
			'loading'         => true,
			'referrerpolicy'  => true,
			'style'           => true,
			'class'           => true,
		);
		return $tags;
	}

	/**
	 * An embed made safe to print (and to store).
	 *
	 * @param string $html The speaker's embed.
	 * @return string
	 */
	public static function embed( $html ) {
		$html = preg_replace( '@<(script|style)[^>]*?>.*?</\\1>@si', '', (string) $html ); // Their text too, not only the tags.
		return wp_kses( (string) $html, self::embed_tags(), array( 'http', 'https' ) );
	}
}

/**
 * Loads the pages' stylesheet and script (assets/css/whieda-pages.css, assets/js/whieda-pages.js), once.
 */
function whieda_enqueue_page_assets() {
	wp_enqueue_style( 'whieda-pages', plugins_url( 'assets/css/whieda-pages.css', WHIEDA_BRIDGE_FILE ), array(), WHIEDA_BRIDGE_VERSION );
	wp_enqueue_script( 'whieda-pages', plugins_url( 'assets/js/whieda-pages.js', WHIEDA_BRIDGE_FILE ), array(), WHIEDA_BRIDGE_VERSION, true );
}

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

	/** After its stop, the room keeps showing a person's webinar this long (the post-webinar screens). */
	const ROOM_KEEPS_ENDED = DAY_IN_SECONDS;

	/** The schedule lists webinars that ended this recently, as ended. */
	const RECENT_PAST = 7 * DAY_IN_SECONDS;

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
	 * Published webinars whose room ended within $seconds, the latest first; only those of one lead
	 * (entered their room or registered on /webinars/) when $lead_id is given.
	 *
	 * @param int $seconds How recent.
	 * @param int $limit   Most to return.
	 * @param int $lead_id Lead, or 0 for everyone's.
	 * @param int $user_id The lead's user (its registrations), with $lead_id.
	 * @return array[] Fields of each, as get() returns them.
	 */
	public static function recently_ended( $seconds, $limit = 10, $lead_id = 0, $user_id = 0 ) {
		global $wpdb;
		$sql  = 'SELECT webinar_id FROM ' . $wpdb->prefix . "whieda_rooms WHERE status = 'ended' AND ended_at >= %s";
		$args = array( gmdate( 'Y-m-d H:i:s', time() - (int) $seconds ) );
		if ( $lead_id ) {
			$sql .= ' AND ( webinar_id IN ( SELECT webinar_id FROM ' . Whieda_Room_Sessions::table() . ' WHERE lead_id = %d )'
				. " OR CONCAT( %s, webinar_id ) IN ( SELECT meta_key FROM {$wpdb->usermeta} WHERE user_id = %d AND meta_key LIKE %s ) )";
			array_push( $args, $lead_id, Whieda_Schedule_Page::REGISTERED_META, $user_id, $wpdb->esc_like( Whieda_Schedule_Page::REGISTERED_META ) . '%' );
		}
		$args[]   = max( 1, (int) $limit );
		$suppress = $wpdb->suppress_errors( true ); // Before the sidecar's first start the table is not there yet.
		$ids      = $wpdb->get_col( $wpdb->prepare( $sql . ' ORDER BY ended_at DESC LIMIT %d', $args ) ); // phpcs:ignore WordPress.DB
		$wpdb->suppress_errors( $suppress );
		$webinars = array();
		foreach ( (array) $ids as $id ) {
			$fields = self::get( (int) $id );
			if ( $fields && 'publish' === $fields['post_status'] ) {
				$webinars[] = $fields;
			}
		}
		return $webinars;
	}

	/**
	 * The webinar a room page shows when none is named: the one on air, else the lead's own that ended
	 * within ROOM_KEEPS_ENDED (its post-webinar screens), else the next one.
	 *
	 * @param int $lead_id The person's lead (0: nobody's own).
	 * @return int 0 if there is none.
	 */
	public static function current_id( $lead_id = 0 ) {
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
		$ended = $lead_id ? self::recently_ended( self::ROOM_KEEPS_ENDED, 1, $lead_id, get_current_user_id() ) : array();
		return $ended ? $ended[0]['id'] : $next;
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
	 * The start in the site's timezone, e.g. «1 декабря 2026, 19:00 (MSK)»; '' when unknown.
	 *
	 * @param array $webinar Fields.
	 * @return string
	 */
	public static function when( $webinar ) {
		if ( ! $webinar['starts_at'] ) {
			return '';
		}
		/* translators: 1: date, 2: time, 3: timezone abbreviation. */
		return sprintf( __( '%1$s, %2$s (%3$s)', 'whieda-bridge' ), self::date( $webinar['starts_at'] ), wp_date( get_option( 'time_format' ), $webinar['starts_at'] ), wp_date( 'T', $webinar['starts_at'] ) );
	}

	/**
	 * A day in the site's timezone with the month in the genitive, «1 декабря 2026», from the plugin's own
	 * strings: a site's language pack that lacks WordPress's genitive months would give «1 Декабрь 2026».
	 *
	 * @param int $timestamp Unix time.
	 * @return string
	 */
	public static function date( $timestamp ) {
		$months = array(
			_x( 'января', 'genitive month', 'whieda-bridge' ),
			_x( 'февраля', 'genitive month', 'whieda-bridge' ),
			_x( 'марта', 'genitive month', 'whieda-bridge' ),
			_x( 'апреля', 'genitive month', 'whieda-bridge' ),
			_x( 'мая', 'genitive month', 'whieda-bridge' ),
			_x( 'июня', 'genitive month', 'whieda-bridge' ),
			_x( 'июля', 'genitive month', 'whieda-bridge' ),
			_x( 'августа', 'genitive month', 'whieda-bridge' ),
			_x( 'сентября', 'genitive month', 'whieda-bridge' ),
			_x( 'октября', 'genitive month', 'whieda-bridge' ),
			_x( 'ноября', 'genitive month', 'whieda-bridge' ),
			_x( 'декабря', 'genitive month', 'whieda-bridge' ),
		);
		/* translators: 1: day of the month, 2: the month (genitive), 3: year. */
		return sprintf( __( '%1$d %2$s %3$d', 'whieda-bridge' ), (int) wp_date( 'j', $timestamp ), $months[ (int) wp_date( 'n', $timestamp ) - 1 ], (int) wp_date( 'Y', $timestamp ) );
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

	/** What an embedded player may ask the browser for (the iframe's `allow`); everything else is dropped. */
	const IFRAME_ALLOW = array( 'autoplay', 'fullscreen', 'encrypted-media', 'picture-in-picture' );

	/**
	 * The sandbox every embed is printed with, whatever the speaker typed: players and chats keep their
	 * own scripts, fullscreen and "open in a new tab", but may not navigate or script the room page.
	 */
	const IFRAME_SANDBOX = 'allow-scripts allow-same-origin allow-presentation allow-popups allow-popups-to-escape-sandbox allow-forms';

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
	 * An embed made safe to print: clean_embed(), and every iframe in the fixed sandbox.
	 *
	 * @param string $html The speaker's embed.
	 * @return string
	 */
	public static function embed( $html ) {
		return str_replace( '<iframe', '<iframe sandbox="' . esc_attr( self::IFRAME_SANDBOX ) . '"', self::clean_embed( $html )['html'] );
	}

	/**
	 * The speaker's embed as it is stored, and what was taken out of it and why (for the console).
	 * Valid addresses stay as typed (about:blank too); scripts, styles, handlers, addresses of other
	 * schemes and `allow` features beyond IFRAME_ALLOW go.
	 *
	 * @param string $html The speaker's embed.
	 * @return array{html: string, removed: string[]}
	 */
	public static function clean_embed( $html ) {
		$removed = array();
		$html    = preg_replace_callback(
			'@<iframe\b([^>]*)>@i',
			function ( $tag ) use ( &$removed ) {
				return self::iframe_tag( $tag[1], $removed );
			},
			(string) $html
		);
		$clean = preg_replace( '@<(script|style)[^>]*?>.*?</\1>@si', '', (string) $html ); // Their text too, not only the tags.
		$clean = wp_kses( (string) $clean, self::embed_tags(), array( 'http', 'https', 'about' ) );
		return array(
			'html'    => $clean,
			'removed' => array_values( array_unique( array_merge( $removed, self::lost( (string) $html, $clean ) ) ) ),
		);
	}

	/**
	 * One iframe's opening tag, with a valid src kept verbatim, `allow` kept to IFRAME_ALLOW, no sandbox
	 * of its own (embed() sets ours). Notes what it took out in $removed.
	 *
	 * @param string   $attributes The tag's attributes as typed.
	 * @param string[] $removed    Notes, appended to.
	 * @return string
	 */
	private static function iframe_tag( $attributes, &$removed ) {
		$out = '<iframe';
		foreach ( wp_kses_hair( $attributes, array( 'http', 'https', 'about', 'javascript', 'data', 'vbscript', 'file' ) ) as $name => $attr ) {
			$value = (string) $attr['value'];
			if ( 'src' === $name && ! preg_match( '@^(https?://|//|/(?!/)|about:blank$)@i', trim( $value ) ) ) {
				/* translators: %s: the address as typed. */
				$removed[] = sprintf( __( 'адрес плеера «%s»: во вставке работают только адреса http://, https:// и about:blank', 'whieda-bridge' ), $value );
				continue;
			}
			if ( 'sandbox' === $name ) {
				$removed[] = __( 'sandbox у iframe: сайт ставит свой, с которым плееры работают', 'whieda-bridge' );
				continue;
			}
			if ( 'allow' === $name ) {
				$kept = array();
				$lost = array();
				foreach ( array_filter( array_map( 'trim', explode( ';', $value ) ) ) as $feature ) {
					$word = strtolower( strtok( $feature, " \t" ) );
					if ( in_array( $word, self::IFRAME_ALLOW, true ) ) {
						$kept[] = $feature;
					} else {
						$lost[] = $word;
					}
				}
				if ( $lost ) {
					/* translators: 1: the features removed, 2: the features kept. */
					$removed[] = sprintf( __( 'разрешения iframe (allow): %1$s — плееру разрешены только %2$s', 'whieda-bridge' ), implode( ', ', $lost ), implode( ', ', self::IFRAME_ALLOW ) );
				}
				if ( ! $kept ) {
					continue;
				}
				$value = implode( '; ', $kept );
			}
			$out .= 'y' === $attr['vless'] ? ' ' . $name : ' ' . $name . '="' . esc_attr( $value ) . '"';
		}
		return $out . '>';
	}

	/**
	 * What the sanitiser took out, said for the speaker: tags and attributes in $before not in $after.
	 *
	 * @param string $before The embed with its iframes checked.
	 * @param string $after  The embed as stored.
	 * @return string[]
	 */
	private static function lost( $before, $after ) {
		$was   = self::inventory( $before );
		$is    = self::inventory( $after );
		$notes = array();
		foreach ( array_diff_key( $was, $is ) as $item => $unused ) {
			list( $tag, $attr ) = array_pad( explode( ' ', $item, 2 ), 2, '' );
			if ( '' === $attr && in_array( $tag, array( 'script', 'style' ), true ) ) {
				/* translators: %s: a tag name. */
				$notes[] = sprintf( __( '<%s> с его содержимым: скрипты и стили из вставок на сайте не выполняются', 'whieda-bridge' ), $tag );
			} elseif ( '' === $attr ) {
				/* translators: %s: a tag name. */
				$notes[] = sprintf( __( '<%s>: такой тег во вставке не разрешён', 'whieda-bridge' ), $tag );
			} elseif ( 0 === strpos( $attr, 'on' ) ) {
				/* translators: 1: an attribute, 2: a tag name. */
				$notes[] = sprintf( __( '%1$s у <%2$s>: обработчики событий из вставок на сайте не выполняются', 'whieda-bridge' ), $attr, $tag );
			} else {
				/* translators: 1: an attribute, 2: a tag name. */
				$notes[] = sprintf( __( 'атрибут %1$s у <%2$s>: он во вставке не разрешён', 'whieda-bridge' ), $attr, $tag );
			}
		}
		return $notes;
	}

	/**
	 * The tags and "tag attribute" pairs of some markup, as keys.
	 *
	 * @param string $html Markup.
	 * @return array
	 */
	private static function inventory( $html ) {
		$found = array();
		if ( '' === trim( $html ) ) {
			return $found;
		}
		$doc      = new DOMDocument();
		$previous = libxml_use_internal_errors( true );
		$doc->loadHTML( '<?xml encoding="utf-8"?><div>' . $html . '</div>', LIBXML_HTML_NOIMPLIED | LIBXML_HTML_NODEFDTD );
		libxml_clear_errors();
		libxml_use_internal_errors( $previous );
		foreach ( $doc->getElementsByTagName( '*' ) as $i => $element ) {
			if ( 0 === $i ) {
				continue; // Our wrapper.
			}
			$tag           = strtolower( $element->nodeName );
			$found[ $tag ] = true;
			foreach ( $element->attributes as $attribute ) {
				$found[ $tag . ' ' . strtolower( $attribute->name ) ] = true;
			}
		}
		return $found;
	}
}

/**
 * Loads the pages' stylesheet and script (assets/css/whieda-pages.css, assets/js/whieda-pages.js), once.
 */
function whieda_enqueue_page_assets() {
	if ( wp_script_is( 'whieda-pages', 'enqueued' ) ) {
		return;
	}
	wp_enqueue_style( 'whieda-pages', plugins_url( 'assets/css/whieda-pages.css', WHIEDA_BRIDGE_FILE ), array(), WHIEDA_BRIDGE_VERSION );
	wp_enqueue_script( 'whieda-pages', plugins_url( 'assets/js/whieda-pages.js', WHIEDA_BRIDGE_FILE ), array(), WHIEDA_BRIDGE_VERSION, true );
	// The script's words (the countdown, the console's question), translatable like every text of the pages.
	wp_localize_script(
		'whieda-pages',
		'whiedaPagesText',
		array(
			/* translators: %s: the time left, e.g. «2 дня 3 ч 15 мин». */
			'countdown' => __( 'До начала: %s', 'whieda-bridge' ),
			'starting'  => __( 'Начинаем с минуты на минуту.', 'whieda-bridge' ),
			/* translators: Russian plural forms of «day» after a number: 1, 2–4, 5+. */
			'days'      => array( __( 'день', 'whieda-bridge' ), __( 'дня', 'whieda-bridge' ), __( 'дней', 'whieda-bridge' ) ),
			'hours'     => __( 'ч', 'whieda-bridge' ),
			'minutes'   => __( 'мин', 'whieda-bridge' ),
			'seconds'   => __( 'с', 'whieda-bridge' ),
			'unsaved'   => __( 'Изменения в полях этого вебинара не сохранены и пропадут. Всё равно перейти?', 'whieda-bridge' ),
		)
	);
}

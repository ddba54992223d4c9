<?php
/**
 * What the sidecar needs from WordPress about a forwarded call: the webinar and the people it concerns.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Fills the envelope's `resolved` (contracts/resolved.json) on the `whieda_resolved` filter, so the
 * sidecar never reads Core tables: `webinar` (title, links, stream type, CTA) for any call that names a
 * webinar_event (its start too, for the reminders), and `contacts` (the lead and the partner who
 * referred it, with their Telegram chat ids) for client_webinar_* facts and core_lead_created (the welcome). The payload itself is never touched. Sites change who is
 * contacted with the `whieda_lead_contacts` filter, and where a webinar's fields live with
 * `whieda_webinar_details`.
 */
class Whieda_Resolver {

	/** Telegram chat ids: numeric (negative for groups) or @channelusername. */
	const CHAT_ID = '/^(-?[1-9][0-9]{0,19}|@[A-Za-z][A-Za-z0-9_]{4,31})$/';

	/**
	 * @param array  $resolved What other filters resolved.
	 * @param string $hook     Hook name.
	 * @param array  $args     Positional arguments of the call.
	 * @return array
	 */
	public function resolve( $resolved, $hook, $args ) {
		$resolved = is_array( $resolved ) ? $resolved : array();
		if ( in_array( $hook, array( 'core_webinar_set_status', 'core_webinar_set_cta_visibility', 'webinar_schedule_changed' ), true ) ) {
			$webinar = $this->webinar( isset( $args[0] ) ? $args[0] : 0 );
		} elseif ( 0 === strpos( $hook, 'client_webinar_' ) && isset( $args[0] ) && is_array( $args[0] ) ) {
			$payload = $args[0];
			$webinar = $this->webinar( isset( $payload['webinar_id'] ) ? $payload['webinar_id'] : 0 );
			$lead_id = isset( $payload['lead_id'] ) ? absint( $payload['lead_id'] ) : 0;
			if ( $lead_id ) {
				$contacts = $this->contacts( $lead_id, isset( $payload['webinar_id'] ) ? absint( $payload['webinar_id'] ) : 0 );
				if ( array() !== $contacts ) {
					$resolved['contacts'] = $contacts;
				}
			}
		} elseif ( 'core_lead_created' === $hook && isset( $args[0] ) && absint( $args[0] ) ) {
			// The lead's Telegram chat, for the welcome scenario; where the team opens the lead, for its notice.
			$contacts = $this->contacts( absint( $args[0] ), 0 );
			if ( array() !== $contacts ) {
				$resolved['contacts'] = $contacts;
			}
			/**
			 * Filters where the team opens a new lead (the team's Telegram notice links to it).
			 *
			 * @param string $url     Default: the lead_entry's edit screen in wp-admin.
			 * @param int    $lead_id The lead.
			 */
			$url = esc_url_raw( (string) apply_filters( 'whieda_lead_admin_url', admin_url( 'post.php?post=' . absint( $args[0] ) . '&action=edit' ), absint( $args[0] ) ), array( 'http', 'https' ) );
			if ( '' !== $url && strlen( $url ) <= 2000 ) {
				$resolved['lead_url'] = $url;
			}
			return $resolved;
		} else {
			return $resolved;
		}
		if ( array() !== $webinar ) {
			$resolved['webinar'] = $webinar;
		}
		return $resolved;
	}

	/**
	 * The webinar_event's fields the room state and the messages need, or array() if it is none.
	 *
	 * @param mixed $webinar_id Webinar id.
	 * @return array
	 */
	public function webinar( $webinar_id ) {
		$post = get_post( absint( $webinar_id ) );
		if ( ! $post || 'webinar_event' !== $post->post_type ) {
			return array();
		}
		$meta    = Whieda_Webinar_View::META;
		$details = array(
			'title'         => $post->post_title,
			// Live: the room (the messages say «ссылка на комнату»); a recording: its page.
			'url'           => 'auto' === get_post_meta( $post->ID, $meta['webinar_type'], true ) ? (string) get_permalink( $post ) : Whieda_Room_Page::url( $post->ID ),
			'recording_url' => (string) get_post_meta( $post->ID, $meta['recording_url'], true ),
			'stream_type'   => (string) get_post_meta( $post->ID, $meta['stream_type'], true ),
			'cta_label'     => (string) get_post_meta( $post->ID, $meta['cta_label'], true ),
			'cta_url'       => (string) get_post_meta( $post->ID, $meta['cta_url'], true ),
			'starts_at'     => self::moment( get_post_meta( $post->ID, $meta['starts_at'], true ) ),
		);
		/**
		 * Filters a webinar's fields as the sidecar gets them (where a site keeps its stream type,
		 * CTA or recording link). The embeds are not among them: the stream stays in WordPress's pages.
		 *
		 * @param array   $details Fields: title, url, recording_url, stream_type, cta_label, cta_url,
		 *                         starts_at (unix seconds, or null when unknown).
		 * @param WP_Post $post    The webinar_event.
		 */
		$details = (array) apply_filters( 'whieda_webinar_details', $details, $post );
		$clean   = array(
			'title'         => mb_substr( (string) ( $details['title'] ?? '' ), 0, 500 ),
			'stream_type'   => substr( sanitize_key( (string) ( $details['stream_type'] ?? '' ) ), 0, 32 ),
			'cta_label'     => mb_substr( (string) ( $details['cta_label'] ?? '' ), 0, 200 ),
		);
		$starts = self::moment( $details['starts_at'] ?? null );
		if ( null !== $starts ) {
			$clean['starts_at'] = $starts;
		}
		$clean['timezone'] = preg_match( '/^[A-Za-z0-9_+:\/-]{1,64}$/', wp_timezone_string() ) ? wp_timezone_string() : 'UTC';
		foreach ( array( 'url', 'recording_url', 'cta_url' ) as $link ) {
			$url            = (string) ( $details[ $link ] ?? '' );
			$url            = esc_url_raw( 0 === strpos( $url, '/' ) && 0 !== strpos( $url, '//' ) ? home_url( $url ) : $url, array( 'http', 'https' ) );
			$clean[ $link ] = strlen( $url ) <= 2000 ? $url : '';
		}
		return $clean;
	}

	/**
	 * A moment as unix seconds: digits are unix seconds, anything else a date and time in the site's time zone.
	 *
	 * @param mixed $value Stored value.
	 * @return int|null
	 */
	public static function moment( $value ) {
		if ( is_int( $value ) || ( is_string( $value ) && ctype_digit( $value ) ) ) {
			return (int) $value > 0 && (int) $value <= 253402300799 ? (int) $value : null;
		}
		if ( ! is_string( $value ) || '' === trim( $value ) ) {
			return null;
		}
		try {
			return ( new DateTimeImmutable( trim( $value ), wp_timezone() ) )->getTimestamp();
		} catch ( Exception $e ) {
			return null;
		}
	}

	/**
	 * The lead and its partner, each {id, name, telegram_chat_id}, as the whieda_lead_contacts filter says.
	 *
	 * @param int $lead_id    The lead_entry.
	 * @param int $webinar_id The webinar the fact is about.
	 * @return array
	 */
	public function contacts( $lead_id, $webinar_id ) {
		$contacts = array();
		$lead     = get_post( $lead_id );
		if ( $lead && 'lead_entry' === $lead->post_type ) {
			$contacts['lead'] = array(
				'id'               => $lead->ID,
				'name'             => wp_specialchars_decode( $lead->post_title, ENT_QUOTES ), // Saved titles may hold &amp;.
				// The chat the bridge's bot linked (the person pressed Start), else Core's own.
				'telegram_chat_id' => Whieda_Telegram_Link::linked_chat( $lead->ID ) ?? (string) get_post_meta( $lead->ID, 'telegram_chat_id', true ),
			);
			$partner = $this->referrer( get_post_meta( $lead->ID, 'ref_id', true ) );
			if ( $partner ) {
				$contacts['partner'] = array(
					'id'               => $partner->ID,
					'name'             => $partner->display_name,
					'telegram_chat_id' => (string) get_user_meta( $partner->ID, 'telegram_chat_id', true ),
				);
			}
		}
		/**
		 * Filters who a lead's messages go to. Default: the chat the bridge's bot linked to the lead
		 * (table `{prefix}whieda_telegram_links`), else the lead_entry's `telegram_chat_id` post meta,
		 * and the partner — the user named by the lead's `ref_id` post meta — with the user meta
		 * `telegram_chat_id`. Return array( 'lead' => …, 'partner' => … ), each
		 * array( 'id' => int, 'name' => string, 'telegram_chat_id' => string ); leave one out to skip it.
		 *
		 * @param array $contacts   Default contacts.
		 * @param int   $lead_id    The lead.
		 * @param int   $webinar_id The webinar the fact is about.
		 */
		$contacts = (array) apply_filters( 'whieda_lead_contacts', $contacts, $lead_id, $webinar_id );
		$clean    = array();
		foreach ( array( 'lead', 'partner' ) as $role ) {
			if ( empty( $contacts[ $role ] ) || ! is_array( $contacts[ $role ] ) ) {
				continue;
			}
			$person = $contacts[ $role ];
			$chat   = trim( (string) ( $person['telegram_chat_id'] ?? '' ) );
			$entry  = array(
				'name'             => mb_substr( (string) ( $person['name'] ?? '' ), 0, 200 ),
				'telegram_chat_id' => preg_match( self::CHAT_ID, $chat ) ? $chat : '',
			);
			if ( ! empty( $person['id'] ) && absint( $person['id'] ) ) {
				$entry['id'] = absint( $person['id'] );
			}
			$clean[ $role ] = $entry;
		}
		return $clean;
	}

	/**
	 * The user a lead's ref_id names: a user id, else a login.
	 *
	 * @param mixed $ref The lead's ref_id meta.
	 * @return WP_User|null
	 */
	private function referrer( $ref ) {
		$ref = trim( (string) $ref );
		if ( '' === $ref ) {
			return null;
		}
		$user = ctype_digit( $ref ) ? get_user_by( 'id', (int) $ref ) : get_user_by( 'login', $ref );
		return $user ? $user : null;
	}
}

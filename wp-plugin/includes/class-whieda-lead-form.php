<?php
/**
 * integration-web-form (seed 004): the `[whieda_lead_form]` shortcode.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * A minimal form (name, email, optional Telegram username) that hands Core a new contact with
 * `do_action( 'core_ingest_event', $payload )` (contracts/hooks/core_ingest_event.json): source
 * `web_form`, the visitor's referral when known. Core creates the lead_entry; this class creates no
 * entity and writes nothing to the database.
 *
 * The page posts to itself. A good submission fires the hook and redirects (303) to the same page with
 * `?whieda_lead=sent`, so a reload sends nothing twice; a bad one is shown again with a message in
 * Russian and what the visitor typed. Checks: the nonce, a honeypot field (a bot that fills it is
 * answered as if all went well, and nothing is fired), lengths and the shapes the contract accepts,
 * then the flood guard (Whieda_Lead_Guard: fill time, the site's CAPTCHA filter, one lead per email,
 * a few per IP). A refusal says what to do next, keeps what was typed and fires nothing. No lead data
 * is stored here; the guard keeps hashed counters only.
 */
class Whieda_Lead_Form {

	const SHORTCODE = 'whieda_lead_form';
	const ACTION    = 'whieda_lead_form';
	const NONCE     = 'whieda_lead_nonce';
	const HONEYPOT  = 'whieda_website';
	const SENT_ARG  = 'whieda_lead';
	const LINK_ARG  = 'whieda_link';

	const MAX_NAME  = 100;
	const MAX_EMAIL = 254;

	/** The contract's shapes (core_ingest_event.json). */
	const TELEGRAM = '/^@?[A-Za-z0-9_]{5,32}$/';
	const REF      = '/^[A-Za-z0-9_-]{1,64}$/';

	/** @var string The stamp of when the visitor first saw the form (kept across a refusal). */
	private $stamp = '';

	/** @var array Field => message, of the submission being shown again. */
	private $errors = array();

	/** @var array What the visitor typed, shown again with the errors. */
	private $values = array(
		'name'     => '',
		'email'    => '',
		'telegram' => '',
	);

	/**
	 * Handles a submission of the form, before the page is rendered.
	 */
	public function handle() {
		if ( 'POST' !== ( isset( $_SERVER['REQUEST_METHOD'] ) ? $_SERVER['REQUEST_METHOD'] : '' ) || ! isset( $_POST[ self::ACTION ] ) ) { // phpcs:ignore WordPress.Security.NonceVerification
			return;
		}
		$post = wp_unslash( $_POST ); // phpcs:ignore WordPress.Security.NonceVerification -- verified below, after the input is kept.
		foreach ( array_keys( $this->values ) as $field ) {
			$this->values[ $field ] = isset( $post[ 'whieda_' . $field ] ) && is_string( $post[ 'whieda_' . $field ] )
				? trim( sanitize_text_field( $post[ 'whieda_' . $field ] ) ) : '';
		}
		nocache_headers();
		$nonce = isset( $post[ self::NONCE ] ) && is_string( $post[ self::NONCE ] ) ? $post[ self::NONCE ] : '';
		if ( ! wp_verify_nonce( $nonce, self::ACTION ) ) {
			$this->errors['form'] = __( 'Форма устарела: проверьте данные и отправьте её ещё раз.', 'whieda-bridge' );
			return;
		}
		if ( ! empty( $post[ self::HONEYPOT ] ) ) {
			$this->redirect_sent(); // A bot: it learns nothing, Core gets nothing.
		}
		$posted_stamp = isset( $post[ Whieda_Lead_Guard::STAMP ] ) ? $post[ Whieda_Lead_Guard::STAMP ] : '';
		if ( Whieda_Lead_Guard::shown_at( $posted_stamp ) ) {
			$this->stamp = $posted_stamp; // The time a person took counts from the first showing.
		}
		$this->errors = $this->validate( $this->values );
		if ( array() !== $this->errors ) {
			return;
		}
		$admitted = ( new Whieda_Lead_Guard() )->admit( $this->values, $post, self::client_ip() );
		if ( is_wp_error( $admitted ) ) {
			Whieda_Log::write( 'lead form refused: ' . $admitted->get_error_code() );
			$this->errors['form'] = $admitted->get_error_message();
			return;
		}
		$payload = array(
			'source'       => 'web_form',
			'name'         => $this->values['name'],
			'email'        => $this->values['email'],
			'submitted_at' => time(),
		);
		if ( '' !== $this->values['telegram'] ) {
			$payload['telegram'] = '@' . ltrim( $this->values['telegram'], '@' );
		}
		$ref = $this->ref_id( isset( $post['whieda_ref'] ) && is_string( $post['whieda_ref'] ) ? $post['whieda_ref'] : '' );
		if ( null !== $ref ) {
			$payload['ref_id'] = $ref;
		}
		// The key the success screen's «Подключить Telegram» link carries; Core hands it on in core_lead_created.
		$payload['whieda_link'] = Whieda_Telegram_Link::new_link_key();
		/**
		 * Filters the web form's payload before Core gets it with core_ingest_event.
		 *
		 * @param array $payload source, name, email, telegram, ref_id, submitted_at.
		 */
		$payload = (array) apply_filters( 'whieda_lead_form_payload', $payload );
		do_action( 'core_ingest_event', $payload );
		$this->redirect_sent( isset( $payload['whieda_link'] ) ? (string) $payload['whieda_link'] : '' );
	}

	/**
	 * The form, or the thanks after a submission (markup: templates/lead-form.php).
	 *
	 * @return string
	 */
	public function render() {
		// phpcs:disable WordPress.Security.NonceVerification -- display only: the submission was checked in handle().
		$ref = isset( $_POST['whieda_ref'] ) ? $_POST['whieda_ref'] : ( isset( $_GET['ref'] ) ? $_GET['ref'] : '' );
		$ref = is_string( $ref ) ? sanitize_text_field( wp_unslash( $ref ) ) : '';
		whieda_enqueue_page_assets();
		$link = isset( $_GET[ self::LINK_ARG ] ) && is_string( $_GET[ self::LINK_ARG ] ) ? sanitize_key( wp_unslash( $_GET[ self::LINK_ARG ] ) ) : '';
		$view = array(
			'schedule'   => home_url( '/webinars/' ),
			'signup_url' => Whieda_Schedule_Page::signup_url(),
			'logged_in'  => is_user_logged_in(),
			'sent'   => isset( $_GET[ self::SENT_ARG ] ) && 'sent' === $_GET[ self::SENT_ARG ] && array() === $this->errors,
			'telegram_url' => Whieda_Telegram_Link::connect_url( Whieda_Telegram_Link::FORM, $link ),
			'errors' => $this->errors,
			'values' => $this->values,
			'ref'    => preg_match( self::REF, $ref ) ? $ref : '',
			'stamp'  => '' !== $this->stamp ? $this->stamp : Whieda_Lead_Guard::stamp(),
			'action' => remove_query_arg( array( self::SENT_ARG, self::LINK_ARG ) ),
		);
		// phpcs:enable
		ob_start();
		require WHIEDA_BRIDGE_DIR . '/templates/lead-form.php';
		return (string) ob_get_clean();
	}

	/**
	 * What is wrong with a submission: field => message in Russian (empty: nothing).
	 *
	 * @param array $values name, email, telegram as typed.
	 * @return array
	 */
	public function validate( $values ) {
		$errors = array();
		if ( '' === $values['name'] ) {
			$errors['name'] = __( 'Укажите имя.', 'whieda-bridge' );
		} elseif ( mb_strlen( $values['name'] ) > self::MAX_NAME ) {
			/* translators: %d: the longest name accepted. */
			$errors['name'] = sprintf( __( 'Имя слишком длинное: не больше %d символов.', 'whieda-bridge' ), self::MAX_NAME );
		}
		if ( '' === $values['email'] ) {
			$errors['email'] = __( 'Укажите адрес электронной почты.', 'whieda-bridge' );
		} elseif ( strlen( $values['email'] ) > self::MAX_EMAIL || ! is_email( $values['email'] ) ) {
			$errors['email'] = __( 'Проверьте адрес электронной почты: он должен выглядеть так: anna@example.com.', 'whieda-bridge' );
		}
		if ( '' !== $values['telegram'] && ! preg_match( self::TELEGRAM, $values['telegram'] ) ) {
			$errors['telegram'] = __( 'Имя пользователя Telegram — от 5 до 32 латинских букв, цифр или знаков _, например @anna_k.', 'whieda-bridge' );
		}
		return $errors;
	}

	/**
	 * The visitor's referral: Core's answer for a logged-in user, else the page's `?ref=` carried by the form.
	 *
	 * @param string $posted The form's hidden ref field.
	 * @return int|string|null
	 */
	private function ref_id( $posted ) {
		$ref = null;
		if ( is_user_logged_in() ) {
			/** Core answers "who referred this user?" (the same filter the AutoWebinar uses). */
			$ref = apply_filters( 'whieda_viewer_ref_id', null, get_current_user_id() );
		}
		if ( ( null === $ref || '' === $ref ) && '' !== $posted ) {
			$ref = $posted;
		}
		/**
		 * Filters the referral a web-form lead carries to Core (null: none).
		 *
		 * @param int|string|null $ref The referral found.
		 */
		$ref = apply_filters( 'whieda_lead_form_ref_id', $ref );
		if ( is_int( $ref ) && $ref > 0 ) {
			return $ref;
		}
		return is_string( $ref ) && preg_match( self::REF, $ref ) ? $ref : null;
	}

	/**
	 * The visitor's address for the per-IP limit: REMOTE_ADDR, or what the site's filter says (behind a
	 * proxy, the address the proxy reports).
	 *
	 * @return string
	 */
	private static function client_ip() {
		$ip = isset( $_SERVER['REMOTE_ADDR'] ) ? sanitize_text_field( wp_unslash( $_SERVER['REMOTE_ADDR'] ) ) : '';
		/**
		 * Filters the address the lead form's per-IP limit counts (e.g. from X-Forwarded-For behind a trusted proxy).
		 *
		 * @param string $ip REMOTE_ADDR.
		 */
		return (string) apply_filters( 'whieda_lead_form_client_ip', $ip );
	}

	/**
	 * @param string $link_key The submission's Telegram link key ('' for a bot that filled the honeypot).
	 */
	private function redirect_sent( $link_key = '' ) {
		$args = array_filter( array( self::SENT_ARG => 'sent', self::LINK_ARG => $link_key ) );
		wp_safe_redirect( add_query_arg( $args, remove_query_arg( array( self::SENT_ARG, self::LINK_ARG ) ) ) . '#whieda-lead-form', 303 );
		exit;
	}
}

<?php
/**
 * wp-admin → «Отчёты вебинаров»: how each webinar went, its attendees as CSV, the recording's funnel.
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

/**
 * For users with `webinar_view_reports` (administrator and speaker, granted on activation). One page:
 * pick a webinar; its figures (registered, entered, attended / not attended, CTA shown / clicked), its
 * Telegram messages by scenario (sent, failed with the reason), a server-rendered SVG chart of viewers
 * present minute by minute over the live window, and a CSV of its attendees (admin-post.php, nonce);
 * below, the recording's funnel. Figures come from Whieda_Report_Store; nothing here writes.
 */
class Whieda_Reports {

	const CAP  = 'webinar_view_reports';
	const PAGE = 'whieda-reports';
	const CSV  = 'whieda_report_csv';

	/** Characters a spreadsheet reads as the start of a formula (OWASP "CSV injection"). */
	const FORMULA_START = array( '=', '+', '-', '@', "\t", "\r" );

	public function add_page() {
		add_menu_page( __( 'Отчёты вебинаров', 'whieda-bridge' ), __( 'Отчёты вебинаров', 'whieda-bridge' ), self::CAP, self::PAGE, array( $this, 'render' ), 'dashicons-chart-area', 58 );
	}

	public function render() {
		if ( ! current_user_can( self::CAP ) ) { // WordPress checked it already; a report never renders without it.
			wp_die( esc_html__( 'У вас нет прав смотреть отчёты вебинаров.', 'whieda-bridge' ), '', array( 'response' => 403 ) );
		}
		$list       = get_posts(
			array(
				'post_type'      => 'webinar_event',
				'post_status'    => array( 'publish', 'draft', 'future', 'private' ),
				'posts_per_page' => 100,
				'orderby'        => 'date',
				'order'          => 'DESC',
			)
		);
		$webinar_id = isset( $_GET['webinar'] ) ? absint( $_GET['webinar'] ) : 0; // phpcs:ignore WordPress.Security.NonceVerification -- a read.
		if ( ! $webinar_id && $list ) {
			$webinar_id = $list[0]->ID;
		}
		$webinar = $webinar_id ? get_post( $webinar_id ) : null;
		$view    = array(
			'list'    => $list,
			'webinar' => $webinar && 'webinar_event' === $webinar->post_type ? $webinar : null,
			'funnel'  => Whieda_Report_Store::funnel(),
		);
		if ( $view['webinar'] ) {
			$view['figures']  = Whieda_Report_Store::figures( $webinar_id );
			$view['messages'] = Whieda_Report_Store::messages( $webinar_id );
			$view['chart']    = self::chart_svg( Whieda_Report_Store::minutes( $webinar_id ) );
			$view['csv_url']  = wp_nonce_url( add_query_arg( array( 'action' => self::CSV, 'webinar' => $webinar_id ), admin_url( 'admin-post.php' ) ), self::CSV . '_' . $webinar_id );
		}
		wp_enqueue_style( 'whieda-reports', plugins_url( 'assets/css/whieda-reports.css', WHIEDA_BRIDGE_FILE ), array(), WHIEDA_BRIDGE_VERSION );
		require WHIEDA_BRIDGE_DIR . '/templates/admin-reports.php';
	}

	/** The attendees of one webinar as CSV: capability, nonce of this webinar, then the rows in batches. */
	public function csv() {
		// phpcs:disable WordPress.Security.NonceVerification -- verified below, before anything is read.
		$webinar_id = isset( $_GET['webinar'] ) ? absint( $_GET['webinar'] ) : 0;
		$nonce      = isset( $_GET['_wpnonce'] ) ? sanitize_text_field( wp_unslash( $_GET['_wpnonce'] ) ) : '';
		// phpcs:enable
		if ( ! current_user_can( self::CAP ) ) {
			wp_die( esc_html__( 'У вас нет прав смотреть отчёты вебинаров.', 'whieda-bridge' ), '', array( 'response' => 403 ) );
		}
		if ( ! wp_verify_nonce( $nonce, self::CSV . '_' . $webinar_id ) ) {
			wp_die( esc_html__( 'Ссылка устарела. Обновите страницу отчёта и скачайте снова.', 'whieda-bridge' ), '', array( 'response' => 403, 'back_link' => true ) );
		}
		$webinar = get_post( $webinar_id );
		if ( ! $webinar || 'webinar_event' !== $webinar->post_type ) {
			wp_die( esc_html__( 'Такого вебинара нет.', 'whieda-bridge' ), '', array( 'response' => 404, 'back_link' => true ) );
		}
		nocache_headers();
		header( 'Content-Type: text/csv; charset=utf-8' );
		header( 'Content-Disposition: attachment; filename="webinar-' . $webinar_id . '-attendees.csv"' );
		header( 'X-Content-Type-Options: nosniff' );
		$out = fopen( 'php://output', 'w' );
		fwrite( $out, "\xEF\xBB\xBF" ); // A BOM, so a spreadsheet reads the Cyrillic names as UTF-8.
		self::write_rows( $out, $webinar_id );
		fclose( $out );
		exit;
	}

	/**
	 * The header and one line per attendee.
	 *
	 * @param resource $out        Where to write.
	 * @param int      $webinar_id Webinar.
	 */
	public static function write_rows( $out, $webinar_id ) {
		fputcsv( $out, array( __( 'Имя', 'whieda-bridge' ), __( 'Записался', 'whieda-bridge' ), __( 'Вошёл', 'whieda-bridge' ), __( 'Минут в эфире', 'whieda-bridge' ), __( 'Присутствовал', 'whieda-bridge' ), __( 'Нажал кнопку', 'whieda-bridge' ) ), ',', '"', '' );
		$yes  = __( 'да', 'whieda-bridge' );
		$no   = __( 'нет', 'whieda-bridge' );
		$zone = wp_timezone();
		$when = function ( $unix ) use ( $zone ) { // The site's time zone, as wp_date() gives it, for thousands of rows.
			return $unix ? ( new DateTimeImmutable( '@' . (int) $unix ) )->setTimezone( $zone )->format( 'Y-m-d H:i:s' ) : '';
		};
		Whieda_Report_Store::each_attendee(
			$webinar_id,
			function ( $row ) use ( $out, $yes, $no, $when ) {
				fputcsv(
					$out,
					array(
						self::cell( $row['name'] ),
						$when( $row['registered_at'] ),
						$when( $row['entered_at'] ),
						(string) intdiv( (int) $row['present_sec'], 60 ), // Whole minutes: never rounded up.
						null === $row['attended'] ? '' : ( (int) $row['attended'] ? $yes : $no ),
						$row['cta_clicked_at'] ? $yes : $no,
					),
					',',
					'"',
					''
				);
			}
		);
	}

	/**
	 * A text cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe.
	 *
	 * @param string $text Cell text.
	 * @return string
	 */
	public static function cell( $text ) {
		$text = (string) $text;
		return '' !== $text && in_array( $text[0], self::FORMULA_START, true ) ? "'" . $text : $text;
	}

	/**
	 * Viewers minute by minute as an SVG picture (server-rendered, no script, no library).
	 *
	 * @param array<int, int> $minutes Minute (Unix time) => viewers.
	 * @return string SVG markup, every text escaped; '' when the webinar was never live.
	 */
	public static function chart_svg( $minutes ) {
		if ( ! $minutes ) {
			return '';
		}
		$width  = 600;
		$height = 260;
		$left   = 44;
		$right  = 12;
		$top    = 16;
		$bottom = 36;
		$plot_w = $width - $left - $right;
		$plot_h = $height - $top - $bottom;
		$peak   = max( 1, max( $minutes ) );
		$ceil   = self::nice_ceiling( $peak );
		$count  = count( $minutes );
		$bar_w  = min( 40, $plot_w / $count ); // A short webinar keeps narrow bars, left to right from its start.
		$times  = array_keys( $minutes );
		$parts  = array();
		for ( $i = 0; $i <= 4; $i++ ) { // Five horizontal lines, labelled with whole numbers of viewers.
			$value   = intdiv( $ceil * $i, 4 ); // The ceiling is a multiple of 4.
			$y       = $top + $plot_h - $plot_h * $i / 4;
			$parts[] = sprintf( '<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" class="whieda-chart__grid"/>', $left, $y, $width - $right, $y );
			$parts[] = sprintf( '<text x="%d" y="%.1f" class="whieda-chart__label" text-anchor="end">%s</text>', $left - 6, $y + 5, esc_html( number_format_i18n( $value ) ) );
		}
		foreach ( array_values( $minutes ) as $i => $viewers ) {
			$h       = $plot_h * $viewers / $ceil;
			$parts[] = sprintf(
				'<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" class="whieda-chart__bar"><title>%s</title></rect>',
				$left + $i * $bar_w + ( $bar_w > 4 ? 1 : 0 ),
				$top + $plot_h - $h,
				max( 0.5, $bar_w - ( $bar_w > 4 ? 2 : 0 ) ),
				$h,
				esc_html( sprintf( /* translators: 1: time, 2: number of viewers. */ __( '%1$s — зрителей: %2$s', 'whieda-bridge' ), wp_date( 'H:i', $times[ $i ] ), number_format_i18n( $viewers ) ) )
			);
		}
		$ticks = min( 6, $count );
		for ( $t = 0; $t < $ticks; $t++ ) { // Up to six times along the bottom, the first and the last included.
			$i       = $ticks > 1 ? (int) round( $t * ( $count - 1 ) / ( $ticks - 1 ) ) : 0;
			$anchor  = 0 === $t ? 'start' : ( $t === $ticks - 1 ? 'end' : 'middle' ); // The ends stay inside the picture.
			$x       = 'start' === $anchor ? $left + $i * $bar_w : ( 'end' === $anchor ? $left + ( $i + 1 ) * $bar_w : $left + ( $i + 0.5 ) * $bar_w );
			$parts[] = sprintf( '<text x="%.1f" y="%d" class="whieda-chart__label" text-anchor="%s">%s</text>', $x, $height - $bottom + 20, $anchor, esc_html( wp_date( 'H:i', $times[ $i ] ) ) );
		}
		$title = sprintf( /* translators: 1: start time, 2: end time, 3: most viewers at once. */ __( 'Зрители в эфире по минутам, %1$s–%2$s; больше всего одновременно: %3$s', 'whieda-bridge' ), wp_date( 'H:i', $times[0] ), wp_date( 'H:i', end( $times ) ), number_format_i18n( max( $minutes ) ) );
		return sprintf( '<svg class="whieda-chart" viewBox="0 0 %d %d" role="img" aria-labelledby="whieda-chart-title"><title id="whieda-chart-title">%s</title>%s</svg>', $width, $height, esc_html( $title ), implode( '', $parts ) );
	}

	/**
	 * The top of the scale: 4 × 1, 2, 5, 10, 20, 50… at least the peak, so the four steps are whole numbers.
	 *
	 * @param int $peak Most viewers in a minute.
	 * @return int
	 */
	private static function nice_ceiling( $peak ) {
		for ( $power = 1; ; $power *= 10 ) {
			foreach ( array( 1, 2, 5 ) as $step ) {
				if ( 4 * $step * $power >= $peak ) {
					return 4 * $step * $power;
				}
			}
		}
	}
}

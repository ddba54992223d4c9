<?php
/**
 * wp-admin → «Отчёты вебинаров». Variables: $view (see Whieda_Reports::render()).
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

$webinar   = $view['webinar'];
$scenarios = array(
	'reminder'       => __( 'Напоминания', 'whieda-bridge' ),
	'partner_notice' => __( 'Уведомления партнёрам', 'whieda-bridge' ),
	'post_webinar'   => __( 'После вебинара (кандидатам)', 'whieda-bridge' ),
	'registration'   => __( 'Подтверждения записи и переносы', 'whieda-bridge' ),
	'welcome'        => __( 'Приветствие', 'whieda-bridge' ),
	'lead_notice'    => __( 'Новые заявки (команде)', 'whieda-bridge' ),
);
$number    = function ( $value ) {
	return esc_html( number_format_i18n( (int) $value ) );
};
$clock     = function ( $seconds ) {
	return sprintf( '%d:%02d:%02d', intdiv( $seconds, 3600 ), intdiv( $seconds % 3600, 60 ), $seconds % 60 );
};
?>
<div class="wrap whieda-reports">
	<h1><?php esc_html_e( 'Отчёты вебинаров', 'whieda-bridge' ); ?></h1>

	<?php if ( ! $view['list'] ) : ?>
		<p><?php esc_html_e( 'Вебинаров пока нет.', 'whieda-bridge' ); ?></p>
	<?php else : ?>
		<form method="get" class="whieda-reports__pick">
			<input type="hidden" name="page" value="<?php echo esc_attr( Whieda_Reports::PAGE ); ?>">
			<label for="whieda-report-webinar"><?php esc_html_e( 'Вебинар', 'whieda-bridge' ); ?></label>
			<select id="whieda-report-webinar" name="webinar">
				<?php foreach ( $view['list'] as $item ) : ?>
					<option value="<?php echo esc_attr( (string) $item->ID ); ?>" <?php selected( $webinar ? $webinar->ID : 0, $item->ID ); ?>><?php echo esc_html( get_the_title( $item ) . ' (№' . $item->ID . ')' ); ?></option>
				<?php endforeach; ?>
			</select>
			<button type="submit" class="button"><?php esc_html_e( 'Показать', 'whieda-bridge' ); ?></button>
		</form>
	<?php endif; ?>

	<?php if ( $webinar ) : ?>
		<?php $f = $view['figures']; ?>
		<h2><?php echo esc_html( get_the_title( $webinar ) ); ?></h2>
		<dl class="whieda-reports__figures" data-whieda-figures>
			<div><dt><?php esc_html_e( 'Записались', 'whieda-bridge' ); ?></dt><dd data-figure="registered"><?php echo $number( $f['registered'] ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped by $number. ?></dd></div>
			<div><dt><?php esc_html_e( 'Вошли в комнату', 'whieda-bridge' ); ?></dt><dd data-figure="entered"><?php echo $number( $f['entered'] ); // phpcs:ignore WordPress.Security.EscapeOutput ?></dd></div>
			<div><dt><?php esc_html_e( 'Присутствовали', 'whieda-bridge' ); ?></dt><dd data-figure="attended"><?php echo $number( $f['attended'] ); // phpcs:ignore WordPress.Security.EscapeOutput ?></dd></div>
			<div><dt><?php esc_html_e( 'Не присутствовали', 'whieda-bridge' ); ?></dt><dd data-figure="not_attended"><?php echo $number( $f['not_attended'] ); // phpcs:ignore WordPress.Security.EscapeOutput ?></dd></div>
			<div><dt><?php esc_html_e( 'Кнопка показана', 'whieda-bridge' ); ?></dt><dd data-figure="cta_shown"><?php echo $number( $f['cta_shown'] ); // phpcs:ignore WordPress.Security.EscapeOutput ?></dd></div>
			<div><dt><?php esc_html_e( 'Нажали кнопку', 'whieda-bridge' ); ?></dt><dd data-figure="cta_clicked"><?php echo $number( $f['cta_clicked'] ); // phpcs:ignore WordPress.Security.EscapeOutput ?></dd></div>
		</dl>
		<p class="description">
			<?php esc_html_e( '«Присутствовали» и «не присутствовали» — итог после завершения эфира: присутствовал тот, кто досмотрел эфир до конца или пробыл в нём не меньше порога сайдкара WHIEDA_ATTENDED_MIN_SEC (по умолчанию 10 минут).', 'whieda-bridge' ); ?>
			<?php if ( $f['not_classified'] > 0 ) : ?>
				<?php echo esc_html( sprintf( /* translators: %s: number of people. */ __( 'Ещё без итога: %s.', 'whieda-bridge' ), number_format_i18n( $f['not_classified'] ) ) ); ?>
			<?php endif; ?>
		</p>
		<p><a class="button button-primary" href="<?php echo esc_url( $view['csv_url'] ); ?>"><?php esc_html_e( 'Скачать участников (CSV)', 'whieda-bridge' ); ?></a></p>

		<h3><?php esc_html_e( 'Зрители в эфире по минутам', 'whieda-bridge' ); ?></h3>
		<?php if ( '' === $view['chart'] ) : ?>
			<p><?php esc_html_e( 'Эфир ещё не начинался: график появится, когда он начнётся.', 'whieda-bridge' ); ?></p>
		<?php else : ?>
			<figure class="whieda-reports__chart">
				<?php
				echo $view['chart']; // phpcs:ignore WordPress.Security.EscapeOutput -- built by Whieda_Reports::chart_svg(), every text escaped there.
				?>
			</figure>
		<?php endif; ?>

		<h3><?php esc_html_e( 'Сообщения в Telegram', 'whieda-bridge' ); ?></h3>
		<?php if ( ! $view['messages'] ) : ?>
			<p><?php esc_html_e( 'По этому вебинару сообщений не было.', 'whieda-bridge' ); ?></p>
		<?php else : ?>
			<table class="widefat striped whieda-reports__messages">
				<thead><tr>
					<th scope="col"><?php esc_html_e( 'Сценарий', 'whieda-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Отправлено', 'whieda-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Не доставлено', 'whieda-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Ждут отправки', 'whieda-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Причины', 'whieda-bridge' ); ?></th>
				</tr></thead>
				<tbody>
				<?php foreach ( $view['messages'] as $scenario => $m ) : ?>
					<tr data-scenario="<?php echo esc_attr( $scenario ); ?>">
						<td><?php echo esc_html( $scenarios[ $scenario ] ?? $scenario ); ?></td>
						<td data-count="sent"><?php echo $number( $m['sent'] ); // phpcs:ignore WordPress.Security.EscapeOutput ?></td>
						<td data-count="failed"><?php echo $number( $m['failed'] ); // phpcs:ignore WordPress.Security.EscapeOutput ?></td>
						<td data-count="waiting"><?php echo $number( $m['waiting'] ); // phpcs:ignore WordPress.Security.EscapeOutput ?></td>
						<td>
							<?php foreach ( $m['reasons'] as $reason => $n ) : ?>
								<div class="whieda-reports__reason"><?php echo esc_html( ( '' !== $reason ? $reason : __( 'причина не записана', 'whieda-bridge' ) ) . ' × ' . number_format_i18n( $n ) ); ?></div>
							<?php endforeach; ?>
						</td>
					</tr>
				<?php endforeach; ?>
				</tbody>
			</table>
		<?php endif; ?>
	<?php endif; ?>

	<?php $funnel = $view['funnel']; ?>
	<h2><?php esc_html_e( 'Автовебинар: как далеко смотрят запись', 'whieda-bridge' ); ?></h2>
	<p class="description"><?php esc_html_e( 'По всем зрителям записи на сайте (у каждого одна сессия автовебинара).', 'whieda-bridge' ); ?></p>
	<?php if ( ! $funnel['joined'] ) : ?>
		<p><?php esc_html_e( 'Запись пока никто не открывал.', 'whieda-bridge' ); ?></p>
	<?php else : ?>
		<?php
		$steps = array( 'joined' => array( __( 'Начали смотреть', 'whieda-bridge' ), $funnel['joined'] ) );
		foreach ( $funnel['progress'] as $percent => $n ) {
			/* translators: %d: percent of the recording. */
			$steps[ 'p' . $percent ] = array( sprintf( __( 'Досмотрели до %d %%', 'whieda-bridge' ), $percent ), $n );
		}
		$steps['cta'] = array( __( 'Нажали кнопку', 'whieda-bridge' ), $funnel['cta'] );
		?>
		<ol class="whieda-funnel" data-whieda-funnel>
			<?php foreach ( $steps as $key => $step ) : ?>
				<?php $share = min( 100, (int) floor( 100 * $step[1] / $funnel['joined'] ) ); // Rows written behind the sidecar's back could disagree. ?>
				<li data-step="<?php echo esc_attr( $key ); ?>">
					<span class="whieda-funnel__label"><?php echo esc_html( $step[0] ); ?></span>
					<span class="whieda-funnel__bar" aria-hidden="true"><span style="width: <?php echo esc_attr( (string) $share ); ?>%"></span></span>
					<span class="whieda-funnel__value"><span data-count><?php echo $number( $step[1] ); // phpcs:ignore WordPress.Security.EscapeOutput ?></span> (<?php echo esc_html( $share ); ?> %)</span>
				</li>
			<?php endforeach; ?>
		</ol>
		<p data-whieda-median>
			<?php if ( null === $funnel['median_left_sec'] ) : ?>
				<?php esc_html_e( 'Все, кто начал, досмотрели до конца.', 'whieda-bridge' ); ?>
			<?php else : ?>
				<?php
				/* translators: 1: start of a minute of the recording (h:mm:ss), 2: its end, 3: number of people who have not watched to the end. */
				echo esc_html( sprintf( __( 'Где уходят (медиана): на %1$s–%2$s записи — половина не досмотревших до конца остановилась здесь или раньше. Не досмотрели до конца: %3$s.', 'whieda-bridge' ), $clock( $funnel['median_left_sec'] ), $clock( $funnel['median_left_sec'] + 59 ), number_format_i18n( $funnel['left'] ) ) );
				?>
			<?php endif; ?>
		</p>
	<?php endif; ?>
</div>
